"""The variant registry: `@register_variant("name")` on a function returning a `VariantSpec`.

Specs are plain frozen dataclasses whose model builders, text codecs and post-processors are
lazy "module:function" strings, so listing or validating variants (`cls-data --help`, `--plan`)
never imports torch. Ablations are specs derived from a base spec, not trainer flags.

A family that lives in another module registers itself with the same decorator; add that module
to `VARIANT_MODULES` so a lookup imports it (it must not import torch at module level):

    @register_variant("mclas")
    def mclas() -> VariantSpec:
        return VariantSpec(
            name="mclas", family="mclas", codec="cls_data.benchmark.models.mclas:mclas_codec",
            default_backbone="bert-base-multilingual-cased", smoke_backbone="...:build_tiny_bert",
            stages=(StageSpec(name="mono", builder="...:build_mclas", target="summary"),
                    StageSpec(name="sequential", builder="...:build_mclas", init_from="mono")),
            postprocess="cls_data.benchmark.models.mclas:after_separator",
        )

Builders are called as `builder(ctx: BuildContext)` and return a `models.base` model; codecs as
`codec(backbone, src_lang, tgt_lang)` (see `codec.TextCodec`).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cls_data.benchmark.config import StageSpec, TrainConfig, VariantSpec
from cls_data.errors import ClsDataError

# Modules holding further @register_variant functions, imported on first lookup.
VARIANT_MODULES: list[str] = ["cls_data.benchmark.baselines"]

# The loss-weighting schemes of `cls_data.benchmark.losses` (named here so that validating a grid
# does not import torch; a test pins that both lists agree).
WEIGHTINGS = ("sum", "hu", "rhu", "tflcls")

_FACTORIES: dict[str, Callable[[], VariantSpec]] = {}
_SPECS: dict[str, VariantSpec] = {}
_loaded = False


def register_variant(name: str) -> Callable[[Callable[[], VariantSpec]], Callable[[], VariantSpec]]:
    """Register a function that returns the `VariantSpec` called `name` (built on first lookup)."""

    def decorator(factory: Callable[[], VariantSpec]) -> Callable[[], VariantSpec]:
        if name in _FACTORIES and _FACTORIES[name] is not factory:
            raise ValueError(f"variant {name!r} is registered twice")
        _FACTORIES[name] = factory
        _SPECS.pop(name, None)
        return factory

    return decorator


def _load_modules() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in VARIANT_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:  # the module exists but one of its imports is missing
                raise


def variant_names() -> list[str]:
    """Every registered variant, in registration order."""
    _load_modules()
    return list(_FACTORIES)


def get_variant(name: str) -> VariantSpec:
    """The spec of a registered variant; a miss lists every valid name."""
    _load_modules()
    if name not in _FACTORIES:
        raise ClsDataError(f"unknown variant {name!r}; choose one of: {', '.join(_FACTORIES)}")
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
    codec: Any  # the variant's text codec (`data.TextCodec`)
    src_lang: str
    tgt_lang: str
    stage: StageSpec
    train: TrainConfig
    init: Path | None = None  # best weights of `stage.init_from` (a folder written by `save_model`)
    weighting: str | None = None
    r: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# The mBART family (DESIGN.md "Benchmark variants"). Builders and the codec live in
# `cls_data.benchmark.builders` and `cls_data.benchmark.codec`.
MBART_CODEC = "cls_data.benchmark.codec:mbart_codec"
_B = "cls_data.benchmark.builders:"
TRANSLATION = StageSpec(name="translation", builder=_B + "build_mbart_cls", source="summary", target="cls_summary",
                        shared="stage1-translation", recipe="stage1")


@register_variant("mbart-cls")
def mbart_cls() -> VariantSpec:
    return VariantSpec(
        name="mbart-cls", codec=MBART_CODEC,
        stages=(StageSpec(name="cls", builder=_B + "build_mbart_cls", source="text", target="cls_summary", recipe="stage1"),),
        description="mBART fine-tuned on text -> cls_summary (= tflcls-no-tramul)",
    )


@register_variant("tflcls")
def tflcls() -> VariantSpec:
    return VariantSpec(
        name="tflcls", codec=MBART_CODEC,
        stages=(
            TRANSLATION,
            StageSpec(name="joint", builder=_B + "build_tflcls", source="text", target="cls_summary",
                      mono_target="summary", init_from="translation", recipe="stage2", weighted=True,
                      loader=_B + "load_tflcls"),
        ),
        weightings=WEIGHTINGS, default_weighting="tflcls",
        description="stage 1 summary -> cls_summary; stage 2 shared encoder, cross-lingual + monolingual decoders",
    )


@register_variant("tflcls-no-tra")
def tflcls_no_tra() -> VariantSpec:
    base = get_variant("tflcls")
    joint = base.stage("joint")
    return base.derive("tflcls-no-tra", stages=(dataclasses.replace(joint, init_from=None),),
                       description="tflcls without stage 1: the cross-lingual decoder starts from pretrained mBART")


@register_variant("tflcls-no-mul")
def tflcls_no_mul() -> VariantSpec:
    base = get_variant("tflcls")
    return base.derive(
        "tflcls-no-mul",
        stages=(base.stage("translation"),
                StageSpec(name="cls", builder=_B + "build_mbart_cls", source="text", target="cls_summary",
                          init_from="translation", recipe="stage2")),
        weightings=(), default_weighting=None,
        description="tflcls without the monolingual decoder: stage 1, then plain CLS fine-tuning",
    )
