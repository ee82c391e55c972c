"""Backbones and model builders of the non-mBART baselines, called by the runner as `fn(ctx: BuildContext)`.

Backbone folders: NCLS's is written from the run's own training split (`ncls_backbone`: the
joint vocabulary + the `MBartConfig` of the from-scratch Transformer), so the folder fixes the
architecture the way a pretrained backbone does; the smoke twins write a tiny vocabulary and
model. mBERT's is the Hub model (or, in smoke, a tiny `BertModel` + WordPiece vocabulary + the
decoder size in `decoder_size.json`). A stage with `ctx.init` starts from (or reloads) the
weights the previous stage saved.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from cls_data.benchmark.registry import BuildContext

DECODER_SIZE_FILE = "decoder_size.json"


# --- backbones (called as fn(texts, out_dir[, src_lang, tgt_lang]))
def _save_ncls_backbone(texts: list[str], out_dir: str | Path, vocab_size: int, size_name: str) -> Path:
    from cls_data.benchmark.models.ncls import NCLS_SIZES, ncls_config
    from cls_data.benchmark.vocab import train_ncls_tokenizer

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = train_ncls_tokenizer(texts, vocab_size)
    tokenizer.save_pretrained(out)
    ncls_config(tokenizer, NCLS_SIZES[size_name]).save_pretrained(out)
    return out


def ncls_backbone(texts: list[str], out_dir: str | Path, src_lang: str, tgt_lang: str) -> Path:
    """The joint vocabulary of the run's training split (size per language pair) and the NCLS-release config."""
    from cls_data.benchmark.vocab import ncls_vocab_size

    return _save_ncls_backbone(texts, out_dir, ncls_vocab_size(src_lang, tgt_lang), "paper")


def ncls_smoke_backbone(texts: list[str], out_dir: str | Path) -> Path:
    return _save_ncls_backbone(texts, out_dir, 1000, "smoke")


def mbert_smoke_backbone(texts: list[str], out_dir: str | Path) -> Path:
    """A tiny random `BertModel` with a WordPiece vocabulary of `texts` laid out like mBERT's, and a tiny decoder size."""
    import torch

    from cls_data.benchmark.models.bert_seq2seq import DECODER_SIZES, tiny_bert_config
    from cls_data.benchmark.vocab import train_wordpiece_tokenizer
    from transformers import BertModel

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = train_wordpiece_tokenizer(texts, vocab_size=1000)
    torch.manual_seed(0)
    BertModel(tiny_bert_config(len(tokenizer)), add_pooling_layer=False).save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / DECODER_SIZE_FILE).write_text(json.dumps(asdict(DECODER_SIZES["smoke"])) + "\n", encoding="utf-8")
    return out


# --- NCLS and NCLS+MS
def _ncls_seq2seq(ctx: BuildContext) -> Any:
    from transformers import MBartConfig, MBartForConditionalGeneration

    if ctx.init is not None:
        return MBartForConditionalGeneration.from_pretrained(ctx.init)
    return MBartForConditionalGeneration(MBartConfig.from_pretrained(ctx.backbone))


def build_ncls(ctx: BuildContext) -> Any:
    """A from-scratch Transformer (random init from the backbone's config, seeded by the runner) or its saved weights."""
    from cls_data.benchmark.models.mbart_cls import MBartCLS
    from cls_data.benchmark.models.ncls import LABEL_SMOOTHING

    return MBartCLS(_ncls_seq2seq(ctx), ctx.codec.eos_id, label_smoothing=LABEL_SMOOTHING)


def build_ncls_ms(ctx: BuildContext) -> Any:
    """NCLS+MS: the models engineer's two-decoder model over two fresh Transformers of the same config."""
    from transformers import MBartConfig, MBartForConditionalGeneration

    from cls_data.benchmark.models.ncls import LABEL_SMOOTHING
    from cls_data.benchmark.models.tflcls import TwoDecoderSeq2Seq, build_two_decoder

    if ctx.init is not None:
        return TwoDecoderSeq2Seq.load(ctx.init)
    config = MBartConfig.from_pretrained(ctx.backbone)
    seq2seq, second = MBartForConditionalGeneration(config), MBartForConditionalGeneration(config)
    return build_two_decoder(seq2seq, second, cls_start_id=ctx.codec.eos_id, mono_start_id=ctx.codec.eos_id,
                             label_smoothing=LABEL_SMOOTHING)


# --- mBERT encoder + BERT-layer decoder (MCLAS, Nguyen & Luu)
def _bert_seq2seq(ctx: BuildContext) -> Any:
    """`EncoderDecoderModel` from the previous stage's weights, or mBERT + a fresh decoder."""
    from transformers import EncoderDecoderModel

    from cls_data.benchmark.models.bert_seq2seq import DECODER_SIZES, DecoderSize, build_encoder_decoder, load_bert_encoder

    if ctx.init is not None:
        model = EncoderDecoderModel.from_pretrained(ctx.init)
        model.encoder.pooler = None  # rebuilt by from_pretrained although never saved nor used: keep it out of the optimizer
        return model
    size_file = Path(ctx.backbone) / DECODER_SIZE_FILE
    size = DecoderSize(**json.loads(size_file.read_text(encoding="utf-8"))) if size_file.exists() else DECODER_SIZES["paper"]
    return build_encoder_decoder(load_bert_encoder(ctx.backbone), size)


def build_mclas_mono(ctx: BuildContext) -> Any:
    from cls_data.benchmark.models.bert_seq2seq import BertSummarizer

    return BertSummarizer(_bert_seq2seq(ctx), ctx.codec.markers, task="mls")


def build_mclas_sequential(ctx: BuildContext) -> Any:
    from cls_data.benchmark.models.bert_seq2seq import BertSummarizer

    return BertSummarizer(_bert_seq2seq(ctx), ctx.codec.markers, task="cls", sequential=True)


def build_nguyen_teacher(ctx: BuildContext) -> Any:
    return build_mclas_mono(ctx)


def build_nguyen_student(ctx: BuildContext) -> Any:
    """Student and frozen teacher, both loaded from the teacher stage's best weights (`ctx.init`)."""
    from cls_data.benchmark.models.bert_seq2seq import BertSummarizer
    from cls_data.benchmark.models.nguyen_kd import NguyenKD

    if ctx.init is None:
        raise ValueError("the nguyen-kd student stage needs the teacher stage's weights (init_from='teacher')")
    student = BertSummarizer(_bert_seq2seq(ctx), ctx.codec.markers, task="cls")
    teacher = BertSummarizer(_bert_seq2seq(ctx), ctx.codec.markers, task="mls")
    return NguyenKD(student, teacher)


def load_nguyen_student(ctx: BuildContext) -> Any:
    """The trained student alone, for decoding (its folder holds the student only)."""
    from cls_data.benchmark.models.bert_seq2seq import BertSummarizer

    return BertSummarizer(_bert_seq2seq(ctx), ctx.codec.markers, task="cls")
