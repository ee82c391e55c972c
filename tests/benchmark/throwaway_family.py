"""A throwaway model family in one file: its facts, a spec, one registration, a builder, a codec and a tiny backbone.

`test_throwaway_variant.py` imports it and runs it like any registered variant, and `--plan` prices it
from the facts registered here: the proof that adding a family is this one file (plus, for a real
family, one line in `registry.FAMILY_MODULES`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cls_data.benchmark.config import StageSpec, VariantSpec
from cls_data.benchmark.registry import BuildContext, Family, register_family, register_variant

_T = "tests.benchmark.throwaway_family:"
# 7M parameters kept per run folder (--plan's disk estimate: 28 MB of fp32 weights, x8 while it trains)
FAMILY = register_family(Family(name="throwaway", params=7e6))


@register_variant("test-throwaway")
def throwaway() -> VariantSpec:
    return VariantSpec(
        name="test-throwaway",
        family="throwaway",
        codec=_T + "throwaway_codec",
        smoke_backbone=_T + "throwaway_backbone",
        default_backbone="no-such-pretrained-model",
        stages=(StageSpec(name="summarize", builder=_T + "build_throwaway", source="text", target="cls_summary"),),
        description="one small mBART fine-tuned on text -> cls_summary, defined in a test file",
    )


def build_throwaway(ctx: BuildContext) -> Any:
    from cls_data.benchmark.models.mbart import load_mbart
    from cls_data.benchmark.models.mbart_cls import MBartCLS

    model, _ = load_mbart(ctx.init or ctx.backbone)
    return MBartCLS(model, ctx.codec.tgt_lang_id)


def throwaway_codec(backbone: str | Path, src_lang: str, tgt_lang: str) -> Any:
    from cls_data.benchmark.families.mbart import mbart_codec

    return mbart_codec(backbone, src_lang, tgt_lang)


def throwaway_backbone(texts: list[str], out_dir: str | Path) -> Path:
    from cls_data.benchmark.families.mbart import build_tiny_mbart

    return build_tiny_mbart(texts, out_dir, vocab_size=150, layers=1)
