"""The benchmark's registries: variants (`@register_variant`), model families (`Family`), loss weightings.

Each model family is one module of `cls_data.benchmark.families` holding its variants' specs, model
builders, text codec and tiny smoke backbone (see `families/mbart.py`); `FAMILY_MODULES` lists them
and a lookup imports them (they must not import torch at module level). Specs name their builders,
codec, loaders and post-processor as lazy "module:function" strings, so listing or validating
variants (`cls-data --help`, `--plan`) never imports torch. Ablations are specs derived from a base
spec, not trainer flags. A new variant is one function in its family's module:

    @register_variant("mbart-cls")
    def mbart_cls() -> VariantSpec:
        return VariantSpec(name="mbart-cls", codec=_M + "mbart_codec", smoke_backbone=_M + "build_tiny_mbart",
                           stages=(StageSpec(name="cls", builder=_M + "build_mbart_cls"),))

A family module also registers its `Family` (parameter counts, options such as the LLM's shots and server
URL): `--plan`, the grid and the run folder read those, never a family's name. A run resolves its variant
once (`resolve_variant(name) -> Variant`: the spec with every string imported; `run_plan.RunPlan` holds it).
Builders are called as `builder(ctx: BuildContext)` and return a `models.base` model; codecs as
`codec(backbone, src_lang, tgt_lang)` (see `codec.TextCodec`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cls_data.benchmark.codec import TextCodec
from cls_data.benchmark.config import StageSpec, TrainConfig, VariantSpec
from cls_data.registry import Registry, UnknownName, import_target

# The family modules holding the @register_variant functions, imported on first lookup (order = listing order).
FAMILY_MODULES: list[str] = [
    "cls_data.benchmark.families.mbart",
    "cls_data.benchmark.families.ncls",
    "cls_data.benchmark.families.mbert",
    "cls_data.benchmark.families.llm",
]

# name -> the function returning its VariantSpec (called on first lookup)
VARIANTS: Registry[Callable[[], VariantSpec]] = Registry("variant", modules=FAMILY_MODULES)
_SPECS: dict[str, VariantSpec] = {}
_RESOLVED: dict[str, Variant] = {}

# The loss-weighting schemes, each an `nn.Module` class of `cls_data.benchmark.losses` (or of any module that
# registers one with `losses.register_weighting`), named here as lazy strings so that validating a grid and
# `--help` do not import torch. This order is the report's (Table 3).
WEIGHTINGS: Registry[type] = Registry("loss weighting")
for _name, _cls in (
    ("sum", "SumWeighting"),
    ("hu", "HomoscedasticUncertainty"),
    ("rhu", "RevisedUncertainty"),
    ("tflcls", "TFLCLSWeighting"),
):
    WEIGHTINGS.register(_name, lazy=f"cls_data.benchmark.losses:{_cls}")


@dataclass(frozen=True)
class FamilyOption:
    """A grid setting that only one family's variants read (the LLM's --shots, --llm-url): a `GridSpec.options` key,
    recorded in config.json's "options" by the variants that name it in `VariantSpec.options`."""

    name: str  # the grid-file key; the CLI option is --name with "-" for "_"
    default: Any
    help: str
    reuse: bool = False  # a finished run folder is reused only when made with the same value (it changes results)


@dataclass(frozen=True)
class Family:
    """What `--plan`, the grid and the run folder know about a model family, kept in the family's own module.

    Registered next to its variants (`register_family(Family(...))` in `families/<name>.py`): adding a family is
    that module plus its line in `FAMILY_MODULES`; nothing outside it names the family.
    """

    name: str
    params: float  # parameters of the weights a run folder keeps, on the default backbone (--plan's disk estimate)
    frozen_bytes: float = 0.0  # bytes of a frozen base its resume checkpoint also holds (LoRA's base model)
    second_decoder: bool = False  # a stage with a second target (`mono_target`) trains a second decoder: x4/3 weights
    paper_recipe: bool = False  # --plan sets its steps beside the paper's recipe (the paper's own systems)
    options: tuple[FamilyOption, ...] = ()
    server_option: str | None = None  # the option naming a server that decodes a variant that trains nothing...
    server_rate: float | None = None  # ...at this many documents/s (--plan)


# name -> Family, registered by the family modules (imported on first lookup)
FAMILIES: Registry[Family] = Registry("model family", modules=FAMILY_MODULES)


def register_family(family: Family) -> Family:
    return FAMILIES.register(family.name, family)


def family_option(name: str) -> FamilyOption:
    """The option called `name` of whichever family declares it; a miss lists every family option."""
    options = {option.name: option for option in family_options()}
    if name not in options:
        raise UnknownName(f"unknown family option {name!r}; choose one of: {', '.join(options)}")
    return options[name]


def family_options() -> list[FamilyOption]:
    """Every family's options, in registration order."""
    return [option for family in FAMILIES.values() for option in family.options]


def register_variant(name: str) -> Callable[[Callable[[], VariantSpec]], Callable[[], VariantSpec]]:
    """Register a function that returns the `VariantSpec` called `name` (built on first lookup)."""

    def decorator(factory: Callable[[], VariantSpec]) -> Callable[[], VariantSpec]:
        VARIANTS.register(name, factory)
        _SPECS.pop(name, None)
        _RESOLVED.pop(name, None)
        return factory

    return decorator


def unregister_variant(name: str) -> None:
    """Forget a variant (tests that register a throwaway one clean up with this)."""
    VARIANTS.unregister(name), _SPECS.pop(name, None), _RESOLVED.pop(name, None)


def variant_names() -> list[str]:
    """Every registered variant: by family (the order of FAMILY_MODULES, then others), each in registration order."""
    order = {module: index for index, module in enumerate(FAMILY_MODULES)}
    return sorted(VARIANTS.names(), key=lambda name: order.get(VARIANTS[name].__module__, len(order)))


def get_variant(name: str) -> VariantSpec:
    """The spec of a registered variant; a miss lists every valid name."""
    if name not in _SPECS:
        if name not in VARIANTS:
            raise UnknownName(f"unknown variant {name!r}; choose one of: {', '.join(variant_names())}")
        spec = VARIANTS[name]()
        if spec.name != name:
            raise ValueError(f"variant factory for {name!r} returned a spec named {spec.name!r}")
        _SPECS[name] = spec
    return _SPECS[name]


def weightings_of(spec: VariantSpec) -> tuple[str, ...]:
    """The loss-weighting schemes a variant accepts: ("all",) is every registered one (one registered later too)."""
    return tuple(WEIGHTINGS) if spec.weightings == ("all",) else spec.weightings


resolve = import_target  # "module:attribute" -> the attribute


@dataclass
class BuildContext:
    """What a stage's model builder receives: `builder(ctx) -> model` (see `models.base`)."""

    backbone: str  # a Hub id or a local folder (the smoke backbone is already resolved to a folder)
    codec: TextCodec  # the variant's text codec (`codec.TextCodec`)
    src_lang: str
    tgt_lang: str
    stage: StageSpec
    train: TrainConfig
    init: Path | None = None  # best weights of `stage.init_from` (a folder written by `save_model`)
    weighting: str | None = None
    r: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Variant:
    """A registered variant resolved once: its spec with every "module:function" string imported."""

    spec: VariantSpec
    codec: Callable[..., Any]  # codec(backbone, src_lang, tgt_lang) -> TextCodec
    builders: dict[str, Callable[[BuildContext], Any]]  # stage name -> builder(ctx) -> model
    loaders: dict[str, Callable[[BuildContext], Any]]  # stage name -> loader(ctx) of its trained weights
    postprocess: Callable[[str], dict] | None
    smoke_backbone: Callable[..., Path]  # fn(texts, out_dir)
    dataset_backbone: Callable[..., Path] | None  # fn(texts, out_dir, src_lang, tgt_lang)
    setup: Callable[..., Any] | None = None  # fn(plan: run_plan.RunPlan) -> (codec, notes), once per run

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def family(self) -> str:
        return self.spec.family

    @property
    def stages(self) -> tuple[StageSpec, ...]:
        return self.spec.stages

    @property
    def decoding_stage(self) -> StageSpec:
        """The stage whose model decodes the test split: the last one trained, or the inference stage of a variant
        that trains nothing."""
        if self.spec.stages:
            return self.spec.stages[-1]
        if self.spec.inference is None:
            raise ValueError(f"variant {self.name!r} has neither stages nor an inference stage")
        return self.spec.inference

    def postprocess_for(self, stage: StageSpec, lang: str | None = None) -> Callable[[str], dict] | None:
        """The post-processor of `stage`'s generations, given their language when it takes one (`tgt_lang`)."""
        if not (self.postprocess and stage.postprocess):
            return None
        if lang is not None and "tgt_lang" in inspect.signature(self.postprocess).parameters:
            return functools.partial(self.postprocess, tgt_lang=lang)
        return self.postprocess


def resolve_variant(name: str) -> Variant:
    """The variant called `name` with its builders, loaders, codec and post-processor imported (once per process)."""
    spec = get_variant(name)
    if name not in _RESOLVED:
        stages = (*spec.stages, *((spec.inference,) if spec.inference else ()))
        _RESOLVED[name] = Variant(
            spec=spec,
            codec=resolve(spec.codec),
            builders={stage.name: resolve(stage.builder) for stage in stages},
            loaders={stage.name: resolve(stage.loader or stage.builder) for stage in stages},
            postprocess=resolve(spec.postprocess) if spec.postprocess else None,
            smoke_backbone=resolve(spec.smoke_backbone),
            dataset_backbone=resolve(spec.dataset_backbone) if spec.dataset_backbone else None,
            setup=resolve(spec.setup) if spec.setup else None,
        )
    return _RESOLVED[name]
