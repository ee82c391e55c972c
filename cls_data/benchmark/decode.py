"""Decoding a whole split: length-sorted, shape-bucketed large batches through the model's `generate`, texts back in
order.

Decoding costs more than training in a benchmark grid (docs/paper-fidelity.md: beam-4 `generate` at batch 32
decodes 23 samples/s on an H100), so: sources sorted by length (little padding; longest first, so an
out-of-memory error shows at once), cut into large batches whose source width is rounded up to a
multiple of 64 (few distinct shapes: cuDNN attention plans and compiled graphs are reused), encoded
once per batch, bf16 autocast on CUDA with cuDNN attention left out (it builds a plan per new shape),
inference mode. The models' `generate` (`models.generation.beam_generate`) keeps one cross-attention
cache per source instead of one per beam. `bench/bench_decode.py` measures all of it against a plain
`generate` loop at batch 32, with the same outputs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch

from cls_data.benchmark.codec import TextCodec
from cls_data.benchmark.config import DecodeConfig

SOURCE_MULTIPLE = 64


def pad_batch(
    sources: Sequence[Sequence[int]], pad_id: int, multiple: int = SOURCE_MULTIPLE
) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded `input_ids` and `attention_mask`, the width rounded up to a multiple of `multiple`."""
    longest = max(len(source) for source in sources)
    width = -(-longest // multiple) * multiple
    ids = torch.full((len(sources), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sources), width), dtype=torch.long)
    for row, source in enumerate(sources):
        ids[row, : len(source)] = torch.as_tensor(source, dtype=torch.long)
        mask[row, : len(source)] = 1
    return ids, mask


@contextlib.contextmanager
def inference_context(device: torch.device, autocast: bool | None = None) -> Iterator[None]:
    """Inference mode; on CUDA bf16 autocast (unless `autocast=False`) and SDPA without the cuDNN backend."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(torch.inference_mode())
        if device.type == "cuda":
            from torch.nn.attention import SDPBackend, sdpa_kernel

            stack.enter_context(
                sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH])
            )
            if autocast is not False:
                stack.enter_context(torch.autocast("cuda", dtype=torch.bfloat16))
        yield


def generate_ids(
    model: Any,
    sources: Sequence[Sequence[int]],
    decode: DecodeConfig,
    *,
    pad_id: int,
    autocast: bool | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[list[int]]:
    """Generated token ids for every source, in the order of `sources` (padding included, as `generate` returns it)."""
    device = next(model.parameters()).device
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]), reverse=True)
    generated: list[list[int]] = [[] for _ in sources]
    with inference_context(device, autocast):
        for start in range(0, len(order), decode.batch_size):
            chunk = order[start : start + decode.batch_size]
            ids, mask = pad_batch([sources[i] for i in chunk], pad_id)
            out = model.generate(ids.to(device), mask.to(device), decode).tolist()
            for i, row in zip(chunk, out, strict=False):
                generated[i] = row
            if on_progress:
                on_progress(start + len(chunk), len(order))
    return generated


def generate_texts(
    model: Any,
    codec: TextCodec,
    sources: Sequence[Sequence[int]],
    decode: DecodeConfig,
    on_progress: Callable[[int, int], None] | None = None,
    *,
    autocast: bool | None = None,
) -> list[str]:
    """Summaries of `sources` (token ids) as text, in their order; special tokens and language codes removed.

    `model` implements `models.base` (`generate(input_ids, attention_mask, decode)`); `codec` gives
    `pad_id` and `decode(ids) -> list[str]` (the engine's text codec, or anything alike).
    """
    if not sources:
        return []
    ids = generate_ids(model, sources, decode, pad_id=codec.pad_id, autocast=autocast, on_progress=on_progress)
    return [text.strip() for text in codec.decode(ids)]
