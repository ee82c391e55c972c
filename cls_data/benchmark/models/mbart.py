"""Loading an mBART backbone: language codes, an LM head padded for fast kernels, offline errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any


# mBART-cc25 language codes for the base languages cls-data builds datasets in.
MBART_LANG_CODES = {"vi": "vi_VN", "zh": "zh_CN", "en": "en_XX"}


def mbart_lang_code(lang: str) -> str:
    """The mBART code of a dataset language ("vi", "zh-CN", "en" -> "vi_VN", "zh_CN", "en_XX")."""
    from cls_data.text import tokenizer_for_language

    if lang in MBART_LANG_CODES.values():
        return lang
    return MBART_LANG_CODES[tokenizer_for_language(lang)]


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


def load_mbart(backbone: str | Path, *, pad_to_multiple: int = 64, attn_implementation: str = "sdpa") -> tuple[Any, Any]:
    """(model, tokenizer) from a Hub id or a local folder, with the LM head padded.

    Without network and without a local copy, one line says so instead of a long traceback.
    """
    from transformers import AutoTokenizer, MBartForConditionalGeneration

    from cls_data.benchmark.pretrained import from_pretrained

    tokenizer = from_pretrained(AutoTokenizer.from_pretrained, backbone, "backbone")
    model = from_pretrained(
        lambda name: MBartForConditionalGeneration.from_pretrained(name, attn_implementation=attn_implementation), backbone, "backbone"
    )
    pad_lm_head(model, pad_to_multiple)
    return model, tokenizer
