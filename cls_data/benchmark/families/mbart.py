"""The mBART family: `mbart-cls`, `tflcls` and its ablations (specs, builders, text codec, tiny smoke backbone).

mBART-cc25 token layout (docs/benchmark.md): source `X </s> src_lang`, target `tgt_lang Y </s>`. Stage 1
(`translation`, shared by every tflcls run of a dataset, train size and seed) fine-tunes
summary -> cls_summary; `tflcls`'s stage 2 adds a monolingual decoder. The smoke backbone is a
tiny random mBART with a Unigram tokenizer trained on the dataset's texts: nothing downloads.
Nothing here imports torch at module level (`--help` and `--plan` list these specs).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cls_data.benchmark.codec import ROLES, tokenizer_digest
from cls_data.benchmark.config import StageSpec, VariantSpec
from cls_data.benchmark.registry import BuildContext, Family, get_variant, register_family, register_variant
from cls_data.errors import ClsDataError
from cls_data.run_folder import STAGE1

_M = "cls_data.benchmark.families.mbart:"
MBART_CODEC = _M + "mbart_codec"
TRANSLATION = StageSpec(
    name="translation",
    builder=_M + "build_mbart_cls",
    source="summary",
    target="cls_summary",
    shared=STAGE1,
    recipe="stage1",
)


# --- the family: the paper's own systems. mBART-large-cc25 has 611M parameters (docs/paper-fidelity.md); tflcls's
# joint stage adds a second decoder (x4/3 saved weights).
register_family(Family(name="mbart", params=611e6, second_decoder=True, paper_recipe=True))


# --- specs
@register_variant("mbart-cls")
def mbart_cls() -> VariantSpec:
    return VariantSpec(
        name="mbart-cls",
        codec=MBART_CODEC,
        smoke_backbone=_M + "build_tiny_mbart",
        stages=(
            StageSpec(name="cls", builder=_M + "build_mbart_cls", source="text", target="cls_summary", recipe="stage1"),
        ),
        description="mBART fine-tuned on text -> cls_summary (= tflcls-no-tramul)",
    )


@register_variant("tflcls")
def tflcls() -> VariantSpec:
    return VariantSpec(
        name="tflcls",
        codec=MBART_CODEC,
        smoke_backbone=_M + "build_tiny_mbart",
        stages=(
            TRANSLATION,
            StageSpec(
                name="joint",
                builder=_M + "build_tflcls",
                source="text",
                target="cls_summary",
                mono_target="summary",
                init_from="translation",
                recipe="stage2",
                weighted=True,
                loader=_M + "load_tflcls",
            ),
        ),
        weightings=("all",),
        default_weighting="tflcls",  # every registered scheme (`registry.WEIGHTINGS`)
        description="stage 1 summary -> cls_summary; stage 2 shared encoder, cross-lingual + monolingual decoders",
    )


@register_variant("tflcls-no-tra")
def tflcls_no_tra() -> VariantSpec:
    base = get_variant("tflcls")
    joint = base.stage("joint")
    return base.derive(
        "tflcls-no-tra",
        stages=(dataclasses.replace(joint, init_from=None),),
        description="tflcls without stage 1: the cross-lingual decoder starts from pretrained mBART",
    )


@register_variant("tflcls-no-mul")
def tflcls_no_mul() -> VariantSpec:
    base = get_variant("tflcls")
    return base.derive(
        "tflcls-no-mul",
        stages=(
            base.stage("translation"),
            StageSpec(
                name="cls",
                builder=_M + "build_mbart_cls",
                source="text",
                target="cls_summary",
                init_from="translation",
                recipe="stage2",
            ),
        ),
        weightings=(),
        default_weighting=None,
        description="tflcls without the monolingual decoder: stage 1, then plain CLS fine-tuning",
    )


# --- builders: `builder(ctx: BuildContext) -> model`
def _check_init(ctx: BuildContext) -> None:
    if ctx.stage.init_from and ctx.init is None:  # never fall back to the backbone for a stage that continues another
        raise ValueError(
            f"stage {ctx.stage.name!r} starts from stage {ctx.stage.init_from!r}, but no weights were passed"
        )


def build_mbart_cls(ctx: BuildContext) -> Any:
    """One mBART encoder-decoder from the backbone, or from an earlier stage's best weights (`ctx.init`)."""
    from cls_data.benchmark.models.mbart import load_mbart
    from cls_data.benchmark.models.mbart_cls import MBartCLS

    _check_init(ctx)
    model, _ = load_mbart(ctx.init or ctx.backbone)
    return MBartCLS(model, ctx.codec.tgt_lang_id)


def build_tflcls(ctx: BuildContext) -> Any:
    """TFLCLS's two-decoder model: the cross-lingual decoder from stage 1 (`ctx.init`) or, for
    `tflcls-no-tra`, from the backbone; the monolingual decoder from the pretrained backbone."""
    from cls_data.benchmark.models.tflcls import build_tflcls as build

    _check_init(ctx)
    return build(ctx.backbone, stage1=ctx.init, src_lang_id=ctx.codec.src_lang_id, tgt_lang_id=ctx.codec.tgt_lang_id)


def load_tflcls(ctx: BuildContext) -> Any:
    """The trained two-decoder model back from the folder `TwoDecoderSeq2Seq.save` wrote (`ctx.init`)."""
    from cls_data.benchmark.models.tflcls import TwoDecoderSeq2Seq

    return TwoDecoderSeq2Seq.load(ctx.init)


# --- text codec: `codec(backbone, src_lang, tgt_lang)`
class MBartCodec:
    """mBART-cc25 layout (docs/benchmark.md, "Token layout"): source `X </s> src_lang`, labels `Y </s> tgt_lang`.

    Monolingual labels are tokenized like a source, `Y </s> src_lang`, so the shifted decoder
    input starts with the source-language code (the monolingual decoder's start token).
    """

    def __init__(self, tokenizer: Any, src_lang: str, tgt_lang: str) -> None:
        from cls_data.benchmark.models.mbart import mbart_lang_code

        self.tokenizer = tokenizer
        self.src_code, self.tgt_code = mbart_lang_code(src_lang), mbart_lang_code(tgt_lang)
        self.src_lang_id = tokenizer.convert_tokens_to_ids(self.src_code)
        self.tgt_lang_id = tokenizer.convert_tokens_to_ids(self.tgt_code)
        for code, token_id in ((self.src_code, self.src_lang_id), (self.tgt_code, self.tgt_lang_id)):
            if token_id in (None, tokenizer.unk_token_id):  # else mBART would silently start from <unk>
                raise ClsDataError(
                    f"the mBART backbone's tokenizer has no language code {code} (mbart-large-cc25 has 25 "
                    "languages; mBART-50 backbones such as facebook/mbart-large-50 have the rest)"
                )
        self.pad_id = tokenizer.pad_token_id
        digest = tokenizer_digest(tokenizer)
        self.key = f"mbart-{type(tokenizer).__name__}-{len(tokenizer)}-{digest}-{self.src_code}-{self.tgt_code}"

    def encode(self, texts: list[str], role: str, max_len: int) -> list[list[int]]:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {ROLES}")
        tok = self.tokenizer
        tok.src_lang, tok.tgt_lang = self.src_code, self.tgt_code
        if role == "target":
            return tok(text_target=texts, truncation=True, max_length=max_len)["input_ids"]
        return tok(texts, truncation=True, max_length=max_len)["input_ids"]

    def decode(self, ids: Any) -> list[str]:
        return self.tokenizer.batch_decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def save(self, folder: Path) -> None:
        self.tokenizer.save_pretrained(folder)


def mbart_codec(backbone: str | Path, src_lang: str, tgt_lang: str) -> MBartCodec:
    """The codec of an mBART backbone (Hub id or folder); offline without a local copy, one line."""
    from transformers import AutoTokenizer

    from cls_data.benchmark.pretrained import from_pretrained

    tokenizer = from_pretrained(AutoTokenizer.from_pretrained, backbone, "the tokenizer of")
    return MBartCodec(tokenizer, src_lang, tgt_lang)


# --- tiny smoke backbone: `fn(texts, out_dir)`
# Pieces beyond the alphabet when the alphabet alone exceeds the requested size (a real Vi2ZhLow split holds
# ~3-4k distinct Han characters; the Unigram trainer fails when its vocabulary cannot hold every character).
ALPHABET_MARGIN = 256


def vocabulary_size(texts: list[str], requested: int) -> int:
    """`requested`, or the number of distinct characters (plus the word marker and a margin of pieces) when larger."""
    alphabet = set().union(*map(set, texts)) | {"▁"}
    alphabet.discard(" ")
    return max(requested, len(alphabet) + ALPHABET_MARGIN)


def train_mbart_tokenizer(texts: Iterable[str], vocab_size: int = 1000) -> object:
    """An `MBartTokenizer` (mBART's special tokens and 25 language codes) over a Unigram vocabulary of `texts`,
    grown past `vocab_size` when the texts hold more distinct characters (every character stays a piece)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import MBartTokenizer
    from transformers.models.mbart.tokenization_mbart import FAIRSEQ_LANGUAGE_CODES

    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    unigram = Tokenizer(models.Unigram())
    # The same pre-tokenizer MBartTokenizer applies, so the trained pieces match what it will see.
    unigram.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    texts = list(texts)
    trainer = trainers.UnigramTrainer(
        vocab_size=vocabulary_size(texts, vocab_size), special_tokens=specials, unk_token="<unk>", show_progress=False
    )  # its bars go to stdout, through the caller's output
    unigram.train_from_iterator(texts, trainer)
    trained = [
        (piece, score) for piece, score in json.loads(unigram.to_str())["model"]["vocab"] if piece not in specials
    ]
    pieces = _canonical_order(trained)
    vocab = (
        [(token, 0.0) for token in specials]
        + pieces
        + [(code, 0.0) for code in FAIRSEQ_LANGUAGE_CODES]
        + [("<mask>", 0.0)]
    )
    return MBartTokenizer(vocab=vocab)


def _canonical_order(pieces: list[tuple[str, float]], tie: float = 5e-4) -> list[tuple[str, float]]:
    """Pieces in an order (and with scores) that depend only on what was trained, not on thread timing.

    The Unigram trainer breaks ties between equal scores with 1e-4 steps handed out in a different
    order on every call; the multiset of scores is the same, so groups of scores closer than `tie`
    are the same groups every time: each gets its best score (to 6 decimals: the last digits vary too)
    and is ordered by piece.
    """
    ordered = sorted(pieces, key=lambda item: -item[1])
    result: list[tuple[str, float]] = []
    group: list[tuple[str, float]] = []
    for piece, score in ordered:
        if group and group[-1][1] - score >= tie:
            result += [(p, round(group[0][1], 6)) for p, _ in sorted(group)]
            group = []
        group.append((piece, score))
    result += [(p, round(group[0][1], 6)) for p, _ in sorted(group)] if group else []
    return result


def build_tiny_mbart(
    texts: Iterable[str],
    out_dir: str | Path,
    *,
    vocab_size: int = 1000,
    d_model: int = 32,
    layers: int = 2,
    heads: int = 2,
    ffn: int = 64,
    max_positions: int = 1024,
    seed: int = 0,
) -> Path:
    """Save a tiny random mBART and its dataset-trained tokenizer to `out_dir`; load it like a Hub backbone."""
    import torch
    from transformers import MBartConfig, MBartForConditionalGeneration

    out = Path(out_dir)
    tokenizer = train_mbart_tokenizer(texts, vocab_size)
    config = MBartConfig(
        vocab_size=len(tokenizer),
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn,
        max_position_embeddings=max_positions,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        scale_embedding=True,
        dropout=0.0,
    )
    torch.manual_seed(seed)
    model = MBartForConditionalGeneration(config)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
