"""Beam search with `transformers`' own `generate`, minus the work it repeats on cross-attention caches.

The beams of one source share its encoder output, so their cross-attention keys and values are
identical. Plain `generate` still keeps one copy per beam and reorders all of them after every
step (docs/paper-fidelity.md: most of beam search's GPU time is this `gather`; at 768 source tokens the
cross-attention cache is ~10x the self-attention one). Here the cross-attention cache keeps one
copy per source and is never reordered, and cross-attention runs the beams of a source as
`num_beams` queries against that one copy (same arithmetic, one read of the keys instead of
`num_beams`). Beam bookkeeping, n-gram blocking, length penalty and stopping stay `generate`'s,
so the beams are `generate`'s (tests compare token for token).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
from transformers.cache_utils import Cache, DynamicCache, DynamicLayer, EncoderDecoderCache

from cls_data.benchmark.config import DecodeConfig

SHARED_BEAMS_ATTENTION = "sdpa_shared_beams"
_registered = False


def _shared_beams_sdpa(
    module: Any,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """SDPA; when keys hold one row per source and queries one row per beam, beams become extra query positions."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if key.shape[0] == query.shape[0]:
        return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)
    batch, (rows, heads, length, dim) = key.shape[0], query.shape
    beams = rows // batch
    query = query.view(batch, beams, heads, length, dim).transpose(1, 2).reshape(batch, heads, beams * length, dim)
    if attention_mask is not None and attention_mask.shape[0] == rows:
        attention_mask = attention_mask[::beams].repeat(1, 1, beams, 1)
    out, _ = sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)
    # sdpa_attention_forward returns (batch, positions, heads, dim); positions are beam-major.
    return out.reshape(batch, beams, length, heads, dim).reshape(rows, length, heads, dim), None


def _register() -> None:
    global _registered
    if not _registered:
        from transformers import AttentionInterface
        from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

        AttentionInterface.register(SHARED_BEAMS_ATTENTION, _shared_beams_sdpa)
        AttentionMaskInterface.register(SHARED_BEAMS_ATTENTION, sdpa_mask)
        _registered = True


class SharedBeamsLayer(DynamicLayer):
    """Cross-attention keys/values of the first beam of each source; reordering beams within a source is a no-op."""

    def __init__(self, num_beams: int) -> None:
        super().__init__()
        self.num_beams = num_beams

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any):
        step = self.num_beams
        return super().update(key_states[::step].contiguous(), value_states[::step].contiguous(), *args, **kwargs)

    def reorder_cache(self, beam_idx: torch.LongTensor) -> None:
        pass


@contextlib.contextmanager
def _attention(model: Any, implementation: str) -> Iterator[None]:
    previous = model.config._attn_implementation
    if previous == implementation:
        yield
        return
    model.set_attn_implementation(implementation)
    try:
        yield
    finally:
        model.set_attn_implementation(previous)


def beam_generate(
    model: Any,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    start_id: int,
    decode: DecodeConfig,
    *,
    share_beams: bool = True,
) -> torch.Tensor:
    """`model.generate` (a BART/mBART-architecture seq2seq) with `decode`'s settings, starting with `start_id`.

    `share_beams=False` is plain `generate` (the baseline `bench/bench_decode.py` measures against).
    """
    settings = dict(
        input_ids=input_ids,
        attention_mask=attention_mask,
        decoder_start_token_id=start_id,
        num_beams=decode.num_beams,
        no_repeat_ngram_size=decode.no_repeat_ngram_size,
        max_new_tokens=decode.max_new_tokens,
        length_penalty=decode.length_penalty,
        early_stopping=True,
    )
    if (
        not share_beams
        or decode.num_beams == 1
        or model.config._attn_implementation not in ("sdpa", SHARED_BEAMS_ATTENTION)
    ):
        return model.generate(**settings)
    _register()
    decoder_config = model.config.get_text_config(decoder=True)
    cross = Cache(layers=[SharedBeamsLayer(decode.num_beams) for _ in range(decoder_config.decoder_layers)])
    cache = EncoderDecoderCache(DynamicCache(config=decoder_config), cross)
    with _attention(model, SHARED_BEAMS_ATTENTION):
        return model.generate(**settings, cache=cache)
