"""Typed, frozen configuration of the benchmark, saved with every run (config.json)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DecodeConfig:
    """How summaries are generated (the paper's public config: beam 4, no repeated 3-grams, 128 tokens)."""

    num_beams: int = 4
    no_repeat_ngram_size: int = 3
    max_new_tokens: int = 128
    length_penalty: float = 1.0
    batch_size: int = 64  # sources per generate call; batches are cut from length-sorted sources
