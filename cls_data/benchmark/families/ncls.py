"""The NCLS family: `ncls` and `ncls-ms`, Transformers trained from scratch (specs, builders, codec, vocabulary).

NCLS (Zhu et al. 2019) trains a Transformer on text -> cls_summary; NCLS+MS adds a second decoder
for the source-language summary and sums the two losses. The backbone is not pretrained: a folder
written from the run's own training split (`ncls_backbone`: the joint vocabulary + the `MBartConfig`
of the from-scratch Transformer) fixes the architecture the way a pretrained backbone does; the
smoke twin writes a tiny vocabulary and model. The recipe's per-preset settings (Adam, inverse-sqrt
schedule, token budgets) live with the presets (`presets.py`, family "ncls").

Vocabulary: Han characters and CJK punctuation are always single units (NCLS's own choice for
Chinese, and what the character-level ROUGE scores), everything else is BPE over
whitespace-separated words with punctuation split off. One joint vocabulary serves every pair
(vi/en/zh), so encoder and decoder share one embedding matrix.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cls_data.benchmark.codec import ROLES, tokenizer_digest
from cls_data.benchmark.config import StageSpec, VariantSpec
from cls_data.benchmark.registry import BuildContext, Family, register_family, register_variant
from cls_data.text import UNSPACED

_N = "cls_data.benchmark.families.ncls:"
NCLS_ADAM = (("adam_betas", (0.9, 0.998)), ("adam_eps", 1e-9))
# Training FLOPs per pair relative to mBART-large at Vi2ZhLow lengths (--plan); small models reach a
# lower MFU than mBART-large, so this is a lower bound (bench/bench_train.py measures it).
NCLS_COST = 0.11


# --- the family: the from-scratch Transformer holds ~50M parameters (6+6 layers, d 512, 12k joint vocabulary);
# NCLS+MS adds a second decoder (x4/3 saved weights).
register_family(Family(name="ncls", params=50e6, second_decoder=True))


# --- specs
def _ncls_stage(**changes) -> StageSpec:
    fields = {
        "name": "cls",
        "builder": _N + "build_ncls",
        "source": "text",
        "target": "cls_summary",
        "train_overrides": NCLS_ADAM,
    }
    return StageSpec(**{**fields, **changes})


def _ncls_spec(name: str, stage: StageSpec, description: str) -> VariantSpec:
    return VariantSpec(
        name=name,
        codec=_N + "ncls_codec",
        stages=(stage,),
        default_backbone="ncls-dataset-vocab",
        family="ncls",
        decode_overrides=(("length_penalty", 0.6),),  # NCLS: beam 4, length penalty 0.6
        smoke_backbone=_N + "ncls_smoke_backbone",
        dataset_backbone=_N + "ncls_backbone",
        relative_cost=NCLS_COST,
        description=description,
    )


@register_variant("ncls")
def ncls() -> VariantSpec:
    return _ncls_spec("ncls", _ncls_stage(), "NCLS: a Transformer trained from scratch on text -> cls_summary")


@register_variant("ncls-ms")
def ncls_ms() -> VariantSpec:
    stage = _ncls_stage(
        name="joint",
        builder=_N + "build_ncls_ms",
        mono_target="summary",
        loss_coefficients=(("cls", 1.0), ("mls", 1.0)),
    )
    return _ncls_spec(
        "ncls-ms", stage, "NCLS+MS: shared encoder, a second decoder for the source-language summary, sum of losses"
    )


# --- builders: `builder(ctx: BuildContext) -> model`
def _ncls_seq2seq(ctx: BuildContext) -> Any:
    from transformers import MBartConfig, MBartForConditionalGeneration

    if ctx.init is not None:
        return MBartForConditionalGeneration.from_pretrained(ctx.init)
    return MBartForConditionalGeneration(MBartConfig.from_pretrained(ctx.backbone))


def build_ncls(ctx: BuildContext) -> Any:
    """A from-scratch Transformer (random init from the backbone's config, seeded by the runner) or its saved
    weights."""
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
    return build_two_decoder(
        seq2seq, second, cls_start_id=ctx.codec.eos_id, mono_start_id=ctx.codec.eos_id, label_smoothing=LABEL_SMOOTHING
    )


# --- text codec: every role is `X </s>` in the joint vocabulary; the decoder input `</s> Y` is derived by the model
class NclsCodec:
    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.pad_id, self.eos_id = tokenizer.pad_token_id, tokenizer.eos_token_id
        self.key = f"ncls-{len(tokenizer)}-{tokenizer_digest(tokenizer)}"

    def encode(self, texts: list[str], role: str, max_len: int) -> list[list[int]]:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {ROLES}")
        return self.tokenizer(texts, truncation=True, max_length=max_len)["input_ids"]

    def decode(self, ids: Any) -> list[str]:
        return self.tokenizer.batch_decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def save(self, folder: Path) -> None:
        self.tokenizer.save_pretrained(folder)


def ncls_codec(backbone: str | Path, src_lang: str, tgt_lang: str) -> NclsCodec:
    """The codec of a vocabulary folder written by `ncls_backbone` (or its smoke twin)."""
    from transformers import AutoTokenizer

    from cls_data.benchmark.pretrained import from_pretrained

    return NclsCodec(from_pretrained(AutoTokenizer.from_pretrained, backbone, "the tokenizer of"))


# --- backbones: `fn(texts, out_dir[, src_lang, tgt_lang])`, written from the dataset's own texts
def _save_ncls_backbone(texts: list[str], out_dir: str | Path, vocab_size: int, size_name: str) -> Path:
    from cls_data.benchmark.models.ncls import NCLS_SIZES, ncls_config

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = train_ncls_tokenizer(texts, vocab_size)
    tokenizer.save_pretrained(out)
    ncls_config(tokenizer, NCLS_SIZES[size_name]).save_pretrained(out)
    return out


def ncls_backbone(texts: list[str], out_dir: str | Path, src_lang: str, tgt_lang: str) -> Path:
    """The joint vocabulary of the run's training split (size per language pair) and the NCLS-release config."""
    return _save_ncls_backbone(texts, out_dir, ncls_vocab_size(src_lang, tgt_lang), "paper")


def ncls_smoke_backbone(texts: list[str], out_dir: str | Path, vocab_size: int = 1000) -> Path:
    """A tiny vocabulary of `texts` and a tiny Transformer config (smoke preset, tests)."""
    return _save_ncls_backbone(texts, out_dir, vocab_size, "smoke")


# --- the joint vocabulary
NCLS_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>")

# Joint vocabulary sizes (Han characters seen in training + BPE merges up to the total). The
# low-resource splits hold 0.7M-3.6M source words: 12k types keeps Vietnamese syllables and frequent
# English words whole while every zh character seen (~3-4k) stays its own unit; larger vocabularies
# leave most types seen a handful of times (Sennrich & Zhang 2019: small BPE vocabularies win in low
# resource). Zh2En has short Chinese sources (LCSTS) and short English summaries: fewer merges are needed.
NCLS_VOCAB_SIZES = {"vi-zh": 12000, "en-zh": 12000, "zh-en": 10000}
NCLS_DEFAULT_VOCAB = 12000


def ncls_vocab_size(src_lang: str, tgt_lang: str) -> int:
    """The joint vocabulary size for a language pair (base codes: "vi", "zh-CN" -> "vi", "zh")."""
    from cls_data.text import tokenizer_for_language

    pair = f"{tokenizer_for_language(src_lang)}-{tokenizer_for_language(tgt_lang)}"
    return NCLS_VOCAB_SIZES.get(pair, NCLS_DEFAULT_VOCAB)


def train_ncls_tokenizer(texts: Iterable[str], vocab_size: int = NCLS_DEFAULT_VOCAB, min_frequency: int = 2):
    """A `PreTrainedTokenizerFast` (`<s> <pad> </s> <unk>`, every encoding ends in `</s>`) trained on `texts`."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.normalizer = normalizers.NFC()
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
            # Ideographic punctuation (、。「」…) and full-width forms (，！？０-９) split like Han characters.
            pre_tokenizers.Split(Regex(f"[{UNSPACED}]"), behavior="isolated"),
            pre_tokenizers.Punctuation(behavior="isolated"),
        ]
    )
    bpe.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=list(NCLS_SPECIALS), show_progress=False
    )  # its bars go to stdout, through the caller's output
    bpe.train_from_iterator(texts, trainer)
    eos = bpe.token_to_id("</s>")
    bpe.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", eos)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<s>",
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        model_max_length=1024,
    )
