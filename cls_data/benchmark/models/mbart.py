"""Loading an mBART backbone: language codes, an LM head padded for fast kernels, offline errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# mBART language codes of the paper's three languages (cc25 and mBART-50 share them); every
# other language's code is its `mbart50` column in cls_data/languages.tsv.
MBART_LANG_CODES = {"vi": "vi_VN", "zh": "zh_CN", "en": "en_XX"}


def mbart_lang_code(lang: str) -> str:
    """The mBART code of a dataset language ("vi", "zh-CN", "de", "de_DE" -> "vi_VN", "zh_CN", "de_DE", "de_DE")."""
    from cls_data.languages import mbart50_code

    if lang in MBART_LANG_CODES.values():
        return lang
    return mbart50_code(lang)


def pad_lm_head(model: Any, multiple: int = 64) -> int:
    """Grow the tied embedding/LM head to a multiple of `multiple` rows; padded rows can never be generated.

    A 250,027-row head falls back to slow GEMM kernels on H100 (docs/paper-fidelity.md: 181 -> 217 samples/s
    padded to 250,048). The new rows get a -inf `final_logits_bias`, so softmax gives them exactly 0.
    Returns the real vocabulary size (the first padded row).
    """
    import torch

    real = model.get_input_embeddings().weight.shape[0]
    if real % multiple:
        model.resize_token_embeddings(real, pad_to_multiple_of=multiple, mean_resizing=False)
    with torch.no_grad():
        model.final_logits_bias[..., real:] = float("-inf")
    return real


def load_mbart(
    backbone: str | Path, *, pad_to_multiple: int = 64, attn_implementation: str = "sdpa"
) -> tuple[Any, Any]:
    """(model, tokenizer) from a Hub id or a local folder, with the LM head padded.

    Without network and without a local copy, one line says so instead of a long traceback.
    """
    from transformers import AutoTokenizer, MBartForConditionalGeneration

    from cls_data.benchmark.pretrained import from_pretrained

    tokenizer = from_pretrained(AutoTokenizer.from_pretrained, backbone, "backbone")
    model = from_pretrained(
        lambda name: MBartForConditionalGeneration.from_pretrained(name, attn_implementation=attn_implementation),
        backbone,
        "backbone",
    )
    pad_lm_head(model, pad_to_multiple)
    return model, tokenizer
