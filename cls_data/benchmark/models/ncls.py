"""NCLS (Zhu et al. 2019): a Transformer trained from scratch on text -> cls_summary, and NCLS+MS (a second decoder).

The architecture is transformers' `MBartForConditionalGeneration` built from a config (no
pretrained weights): the NCLS release's sizes (6+6 layers, d 512, 8 heads, FFN 2048, dropout 0.1,
ReLU), one joint vocabulary trained on the run's training split (`families/ncls.py`), its
embedding shared by encoder, decoder and LM head. Labels are `Y </s>`; mBART's `shift_tokens_right`
turns them into the decoder input `</s> Y` (fairseq's convention: generation starts from `</s>`),
so the mBART wrapper serves unchanged with `</s>` in place of a language code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LABEL_SMOOTHING = 0.1


@dataclass(frozen=True)
class TransformerSize:
    d_model: int
    layers: int
    heads: int
    ffn: int
    dropout: float


# `paper`/`fast`: the NCLS release (Transformer-base). `smoke`: a few thousand parameters per layer.
NCLS_SIZES = {
    "paper": TransformerSize(d_model=512, layers=6, heads=8, ffn=2048, dropout=0.1),
    "fast": TransformerSize(d_model=512, layers=6, heads=8, ffn=2048, dropout=0.1),
    "smoke": TransformerSize(d_model=32, layers=2, heads=2, ffn=64, dropout=0.0),
}


def ncls_config(tokenizer: Any, size: TransformerSize, max_positions: int = 1024) -> Any:
    """The `MBartConfig` of a from-scratch NCLS Transformer over `tokenizer`'s vocabulary."""
    from transformers import MBartConfig

    return MBartConfig(
        vocab_size=len(tokenizer),
        d_model=size.d_model,
        encoder_layers=size.layers,
        decoder_layers=size.layers,
        encoder_attention_heads=size.heads,
        decoder_attention_heads=size.heads,
        encoder_ffn_dim=size.ffn,
        decoder_ffn_dim=size.ffn,
        dropout=size.dropout,
        attention_dropout=size.dropout,
        activation_dropout=0.0,
        activation_function="relu",
        max_position_embeddings=max_positions,
        scale_embedding=True,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        forced_eos_token_id=None,
        tie_word_embeddings=True,
    )
