"""Tiny backbones for the `smoke` preset and tests: a tokenizer trained on the dataset, a random small model.

Nothing here downloads: the tokenizer is a Unigram model trained with `tokenizers` on the
dataset's own texts and wrapped in the real tokenizer class, the model is built from a config.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path


def train_mbart_tokenizer(texts: Iterable[str], vocab_size: int = 1000) -> "object":
    """An `MBartTokenizer` (mBART's special tokens and 25 language codes) over a Unigram vocabulary of `texts`."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import MBartTokenizer
    from transformers.models.mbart.tokenization_mbart import FAIRSEQ_LANGUAGE_CODES

    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    unigram = Tokenizer(models.Unigram())
    # The same pre-tokenizer MBartTokenizer applies, so the trained pieces match what it will see.
    unigram.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.UnigramTrainer(vocab_size=vocab_size, special_tokens=specials, unk_token="<unk>",
                                      show_progress=False)  # its bars go to stdout, through the caller's output
    unigram.train_from_iterator(texts, trainer)
    trained = [(piece, score) for piece, score in json.loads(unigram.to_str())["model"]["vocab"] if piece not in specials]
    pieces = _canonical_order(trained)
    vocab = [(token, 0.0) for token in specials] + pieces + [(code, 0.0) for code in FAIRSEQ_LANGUAGE_CODES] + [("<mask>", 0.0)]
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


def build_tiny_mbart(texts: Iterable[str], out_dir: str | Path, *, vocab_size: int = 1000, d_model: int = 32,
                     layers: int = 2, heads: int = 2, ffn: int = 64, max_positions: int = 1024, seed: int = 0) -> Path:
    """Save a tiny random mBART and its dataset-trained tokenizer to `out_dir`; load it like a Hub backbone."""
    import torch
    from transformers import MBartConfig, MBartForConditionalGeneration

    out = Path(out_dir)
    tokenizer = train_mbart_tokenizer(texts, vocab_size)
    config = MBartConfig(
        vocab_size=len(tokenizer), d_model=d_model, encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=heads, decoder_attention_heads=heads, encoder_ffn_dim=ffn, decoder_ffn_dim=ffn,
        max_position_embeddings=max_positions, pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id, scale_embedding=True, dropout=0.0,
    )
    torch.manual_seed(seed)
    model = MBartForConditionalGeneration(config)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
