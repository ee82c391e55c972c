"""Model builders of the mBART family, called by the trainer as `builder(ctx: BuildContext) -> model`."""

from __future__ import annotations

from typing import Any

from cls_data.benchmark.registry import BuildContext


def build_mbart_cls(ctx: BuildContext) -> Any:
    """One mBART encoder-decoder from the backbone, or from an earlier stage's best weights (`ctx.init`)."""
    from cls_data.benchmark.models.mbart import load_mbart
    from cls_data.benchmark.models.mbart_cls import MBartCLS

    model, _ = load_mbart(ctx.init or ctx.backbone)
    return MBartCLS(model, ctx.codec.tgt_lang_id)


def build_tflcls(ctx: BuildContext) -> Any:
    """TFLCLS's two-decoder model: the cross-lingual decoder from stage 1 (`ctx.init`) or, for
    `tflcls-no-tra`, from the backbone; the monolingual decoder from the pretrained backbone."""
    from cls_data.benchmark.models.tflcls import build_tflcls as build

    return build(ctx.backbone, stage1=ctx.init, src_lang_id=ctx.codec.src_lang_id, tgt_lang_id=ctx.codec.tgt_lang_id)


def load_tflcls(ctx: BuildContext) -> Any:
    """The trained two-decoder model back from the folder `TwoDecoderSeq2Seq.save` wrote (`ctx.init`)."""
    from cls_data.benchmark.models.tflcls import TwoDecoderSeq2Seq

    return TwoDecoderSeq2Seq.load(ctx.init)
