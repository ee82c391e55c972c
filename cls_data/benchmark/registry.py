"""The variant registry: `@register_variant("name")` on a function returning a `VariantSpec`, and `resolve_variant`.

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

A run resolves its variant once (`resolve_variant(name) -> Variant`: the spec with every string
imported) and passes that object down. Builders are called as `builder(ctx: BuildContext)` and
return a `models.base` model; codecs as `codec(backbone, src_lang, tgt_lang)` (see `codec.TextCodec`).
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cls_data.benchmark.config import StageSpec, TrainConfig, VariantSpec
from cls_data.errors import ClsDataError

# The family modules holding the @register_variant functions, imported on first lookup (order = listing order).
FAMILY_MODULES: list[str] = ["cls_data.benchmark.families.mbart", "cls_data.benchmark.families.ncls",
                             "cls_data.benchmark.families.mbert", "cls_data.benchmark.families.llm"]

# The loss-weighting schemes of `cls_data.benchmark.losses` (named here so that validating a grid
# does not import torch; a test pins that both lists agree).
WEIGHTINGS = ("sum", "hu", "rhu", "tflcls")

_FACTORIES: dict[str, Callable[[], VariantSpec]] = {}
_SPECS: dict[str, VariantSpec] = {}
_RESOLVED: dict[str, "Variant"] = {}
_loaded = False


def register_variant(name: str) -> Callable[[Callable[[], VariantSpec]], Callable[[], VariantSpec]]:
    """Register a function that returns the `VariantSpec` called `name` (built on first lookup)."""

    def decorator(factory: Callable[[], VariantSpec]) -> Callable[[], VariantSpec]:
        if name in _FACTORIES and _FACTORIES[name] is not factory:
            raise ValueError(f"variant {name!r} is registered twice")
        _FACTORIES[name] = factory
        _SPECS.pop(name, None)
        _RESOLVED.pop(name, None)
        return factory

    return decorator


def unregister_variant(name: str) -> None:
    """Forget a variant (tests that register a throwaway one clean up with this)."""
    _FACTORIES.pop(name, None), _SPECS.pop(name, None), _RESOLVED.pop(name, None)


def _load_modules() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in FAMILY_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:  # the module exists but one of its imports is missing
                raise


def variant_names() -> list[str]:
    """Every registered variant: by family (the order of FAMILY_MODULES, then others), each in registration order."""
    _load_modules()
    order = {module: index for index, module in enumerate(FAMILY_MODULES)}
    return sorted(_FACTORIES, key=lambda name: order.get(_FACTORIES[name].__module__, len(order)))


def get_variant(name: str) -> VariantSpec:
    """The spec of a registered variant; a miss lists every valid name."""
    _load_modules()
    if name not in _FACTORIES:
        raise ClsDataError(f"unknown variant {name!r}; choose one of: {', '.join(variant_names())}")
    if name not in _SPECS:
        spec = _FACTORIES[name]()
        if spec.name != name:
            raise ValueError(f"variant factory for {name!r} returned a spec named {spec.name!r}")
        _SPECS[name] = spec
    return _SPECS[name]


def resolve(target: str) -> Any:
    """Import a "module:attribute" string."""
    module, _, attribute = target.partition(":")
    if not attribute:
        raise ValueError(f"{target!r} is not a 'module:function' string")
    return getattr(importlib.import_module(module), attribute)


@dataclass
class BuildContext:
    """What a stage's model builder receives: `builder(ctx) -> model` (see `models.base`)."""

    backbone: str  # a Hub id or a local folder (the smoke backbone is already resolved to a folder)
    codec: Any  # the variant's text codec (`codec.TextCodec`)
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
            spec=spec, codec=resolve(spec.codec),
            builders={stage.name: resolve(stage.builder) for stage in stages},
            loaders={stage.name: resolve(stage.loader or stage.builder) for stage in stages},
            postprocess=resolve(spec.postprocess) if spec.postprocess else None,
            smoke_backbone=resolve(spec.smoke_backbone),
            dataset_backbone=resolve(spec.dataset_backbone) if spec.dataset_backbone else None,
            setup=resolve(spec.setup) if spec.setup else None,
        )
    return _RESOLVED[name]
