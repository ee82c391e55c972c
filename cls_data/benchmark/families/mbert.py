"""The mBERT-encoder family: `mclas` and `nguyen-kd` (specs, builders, text codec, tiny smoke backbone).

Both put a BERT-layer Transformer decoder on the multilingual BERT encoder (PreSumm style,
`models/bert_seq2seq.py`). MCLAS trains a monolingual stage, then one decoder generating
`mono [LSEP] cross`; Nguyen & Luu train a monolingual teacher, then a CLS student with 0.1 x a
Sinkhorn divergence to the frozen teacher's decoder states. The backbone is the Hub model (or, in
smoke, a tiny `BertModel` + WordPiece vocabulary + the decoder size in `decoder_size.json`). A stage
with `ctx.init` starts from (or reloads) the weights the previous stage saved. The recipe's
per-preset settings (two-group Adam, inverse-sqrt, token budgets) live with the presets (family "mbert").

Codec: sources are BERT's `[CLS] X [SEP]` (512 positions at most); targets are content ids only,
one position short of the limit, because the model frames them with its `[unused]` start/end
markers (and MCLAS joins two of them with its separator). Decoding keeps the separator as text for
MCLAS's post-processor and drops the other markers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from cls_data.benchmark.codec import ROLES, tokenizer_digest
from cls_data.benchmark.config import StageSpec, VariantSpec
from cls_data.benchmark.registry import BuildContext, Family, register_family, register_variant
from cls_data.text import UNSPACED

_E = "cls_data.benchmark.families.mbert:"
MBERT = "bert-base-multilingual-cased"
DECODER_SIZE_FILE = "decoder_size.json"
# Training FLOPs per pair relative to mBART-large at Vi2ZhLow lengths (--plan), a lower bound.
MBERT_COST = 0.4


# --- the family: mBERT (178M parameters) + a 6-layer decoder, ~320M; MCLAS and the student keep one decoder.
register_family(Family(name="mbert", params=320e6))


# --- specs
def _bert_stage(name: str, builder: str, target: str, **changes) -> StageSpec:
    return StageSpec(name=name, builder=_E + builder, source="text", target=target, **changes)


def _bert_spec(name: str, stages: tuple[StageSpec, ...], description: str, **changes) -> VariantSpec:
    return VariantSpec(
        name=name,
        codec=_E + "bert_codec",
        stages=stages,
        default_backbone=MBERT,
        family="mbert",
        smoke_backbone=_E + "mbert_smoke_backbone",
        relative_cost=MBERT_COST,
        description=description,
        **changes,
    )


@register_variant("mclas")
def mclas() -> VariantSpec:
    return _bert_spec(
        "mclas",
        (
            _bert_stage("mono", "build_mclas_mono", "summary", postprocess=False),
            _bert_stage("sequential", "build_mclas_sequential", "cls_summary", mono_target="summary", init_from="mono"),
        ),
        "MCLAS: mBERT encoder, one decoder generating mono [LSEP] cross; monolingual stage first",
        postprocess=_E + "split_at_separator",
        decode_overrides=(("num_beams", 5),),  # MCLAS decodes with beam 5 (trigram blocking as every variant)
    )


@register_variant("nguyen-kd")
def nguyen_kd() -> VariantSpec:
    return _bert_spec(
        "nguyen-kd",
        (
            _bert_stage("teacher", "build_nguyen_teacher", "summary"),
            _bert_stage(
                "student",
                "build_nguyen_student",
                "cls_summary",
                mono_target="summary",
                init_from="teacher",
                loss_coefficients=(("cls", 1.0), ("ot", 0.1)),
                loader=_E + "load_nguyen_student",
            ),
        ),
        "Nguyen & Luu: monolingual teacher, CLS student + 0.1 x Sinkhorn divergence between decoder states",
    )


# --- builders: `builder(ctx: BuildContext) -> model`
def _bert_seq2seq(ctx: BuildContext) -> Any:
    """`EncoderDecoderModel` from the previous stage's weights, or mBERT + a fresh decoder."""
    from transformers import EncoderDecoderModel

    from cls_data.benchmark.models.bert_seq2seq import (
        DECODER_SIZES,
        DecoderSize,
        build_encoder_decoder,
        load_bert_encoder,
    )

    if ctx.init is not None:
        model = EncoderDecoderModel.from_pretrained(ctx.init)
        model.encoder.pooler = (
            None  # rebuilt by from_pretrained although never saved nor used: keep it out of the optimizer
        )
        return model
    size_file = Path(ctx.backbone) / DECODER_SIZE_FILE
    size = (
        DecoderSize(**json.loads(size_file.read_text(encoding="utf-8")))
        if size_file.exists()
        else DECODER_SIZES["paper"]
    )
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


# --- text codec and MCLAS's post-processor
# BERT's decoder puts a space around every Han character ("今 天"); glue them back for the saved text.
_SPACED_CJK = re.compile(rf"(?<=[{UNSPACED}])\s+(?=[{UNSPACED}])")


def glue_cjk(text: str) -> str:
    return _SPACED_CJK.sub("", text)


def split_at_separator(decoded: str) -> dict[str, Any]:
    """The scored prediction of one MCLAS generation: the text after the first separator, "" when there is none.

    `decoded` is the generation decoded with its markers kept as text; start/end markers are dropped.
    """
    from cls_data.benchmark.models.bert_seq2seq import BOS, EOS, LSEP

    raw = " ".join(decoded.replace(BOS, " ").replace(EOS, " ").split())
    found = LSEP in raw
    after = raw.split(LSEP, 1)[1] if found else ""
    return {"prediction": glue_cjk(" ".join(after.split())), "raw_prediction": glue_cjk(raw), "separator_found": found}


class BertCodec:
    def __init__(self, tokenizer: Any) -> None:
        from cls_data.benchmark.models.bert_seq2seq import Markers

        self.tokenizer = tokenizer
        self.markers = Markers.of(tokenizer)
        self.pad_id = tokenizer.pad_token_id
        self.key = f"bert-{len(tokenizer)}-{tokenizer_digest(tokenizer)}"

    def encode(self, texts: list[str], role: str, max_len: int) -> list[list[int]]:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {ROLES}")
        if role == "source":
            return self.tokenizer(texts, truncation=True, max_length=min(max_len, 512))["input_ids"]
        return self.tokenizer(texts, add_special_tokens=False, truncation=True, max_length=max_len - 1)["input_ids"]

    def decode(self, ids: Any) -> list[str]:
        """Text of each generation: start marker and padding dropped, cut at the end marker, each separator kept
        as the text `[unused5]`. Done on ids, so it holds whether or not a tokenizer lists the markers as special."""
        from cls_data.benchmark.models.bert_seq2seq import LSEP

        marks = self.markers
        texts = []
        for row in ids.tolist() if hasattr(ids, "tolist") else ids:
            row = [t for t in row if t not in (marks.pad, marks.bos)]
            row = row[: row.index(marks.eos)] if marks.eos in row else row
            parts, start = [], 0
            for end in [i for i, t in enumerate(row) if t == marks.lsep] + [len(row)]:
                parts.append(
                    self.tokenizer.decode(row[start:end], skip_special_tokens=True, clean_up_tokenization_spaces=True)
                )
                start = end + 1
            texts.append(glue_cjk(f" {LSEP} ".join(" ".join(part.split()) for part in parts).strip()))
        return texts

    def save(self, folder: Path) -> None:
        self.tokenizer.save_pretrained(folder)


def bert_codec(backbone: str | Path, src_lang: str, tgt_lang: str) -> BertCodec:
    """The codec of an mBERT backbone (Hub id or folder)."""
    from transformers import AutoTokenizer

    from cls_data.benchmark.pretrained import from_pretrained

    return BertCodec(from_pretrained(AutoTokenizer.from_pretrained, backbone, "the tokenizer of"))


# --- tiny smoke backbone: `fn(texts, out_dir)`
def mbert_smoke_backbone(texts: list[str], out_dir: str | Path, vocab_size: int = 1000) -> Path:
    """A tiny random `BertModel` with a WordPiece vocabulary of `texts` laid out like mBERT's, and a tiny decoder
    size."""
    import torch
    from transformers import BertModel

    from cls_data.benchmark.models.bert_seq2seq import DECODER_SIZES, tiny_bert_config

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = train_wordpiece_tokenizer(texts, vocab_size=vocab_size)
    torch.manual_seed(0)
    BertModel(tiny_bert_config(len(tokenizer)), add_pooling_layer=False).save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / DECODER_SIZE_FILE).write_text(json.dumps(asdict(DECODER_SIZES["smoke"])) + "\n", encoding="utf-8")
    return out


BERT_SPECIALS = ["[PAD]", *(f"[unused{i}]" for i in range(1, 100)), "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def canonical_vocab(vocab: dict[str, int]) -> dict[str, int]:
    """The trained pieces with ids that depend only on the pieces: mBERT's specials at 0-103, then the rest by
    length and spelling. The WordPiece trainer numbers pieces in a different order on every call (its
    alphabet comes out of a hash map), so the same dataset gave a smoke model other ids each build."""
    pieces = sorted((p for p in vocab if p not in BERT_SPECIALS), key=lambda p: (len(p.removeprefix("##")), p))
    return {piece: i for i, piece in enumerate([*BERT_SPECIALS, *pieces])}


def train_wordpiece_tokenizer(texts: Iterable[str], vocab_size: int = 1000):
    """A cased `BertTokenizer` over a WordPiece vocabulary of `texts`, with mBERT's special-token layout.

    Ids 0-103 are mBERT's: `[PAD]` 0, `[unused1..99]` 1-99, `[UNK]` 100, `[CLS]` 101, `[SEP]` 102, `[MASK]` 103.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertTokenizer

    normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False
    )
    trainer_model = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    trainer_model.normalizer, trainer_model.pre_tokenizer = normalizer, pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size + len(BERT_SPECIALS), special_tokens=BERT_SPECIALS, show_progress=False
    )
    trainer_model.train_from_iterator(texts, trainer)
    # Rebuilt from the plain vocabulary: as in mBERT, the [unused] markers are ordinary tokens (a decode
    # that skips special tokens keeps them); only [PAD]/[UNK]/[CLS]/[SEP]/[MASK] are special.
    wordpiece = Tokenizer(models.WordPiece(canonical_vocab(trainer_model.get_vocab()), unk_token="[UNK]"))
    wordpiece.normalizer, wordpiece.pre_tokenizer = normalizer, pre_tokenizers.BertPreTokenizer()
    wordpiece.decoder = decoders.WordPiece()
    cls, sep = wordpiece.token_to_id("[CLS]"), wordpiece.token_to_id("[SEP]")
    wordpiece.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    return BertTokenizer(
        tokenizer_object=wordpiece,
        do_lower_case=False,
        model_max_length=512,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
