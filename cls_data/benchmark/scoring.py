"""Decode a split with a model and score it with `cls_data.rouge` in the target language's tokenization."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cls_data.benchmark.codec import TextCodec
from cls_data.benchmark.config import DecodeConfig
from cls_data.benchmark.data import Encoded


@dataclass
class Scored:
    """Corpus ROUGE F1 in [0, 1] (mean of per-pair F1), with the tokenizer and one row per sample."""

    rouge: dict[str, float]
    tokenizer: str
    rows: list[dict[str, Any]]  # id, prediction, reference, rouge1, rouge2, rougeL (+ post-processing fields)
    empty_predictions: int
    seconds: float
    separator_missing: int | None = None  # generations without the post-processor's separator (MCLAS), None without one
    wrong_language: int | None = (
        None  # answers not in the target language (the LLM family's post-processor), None without a check
    )


def generate(
    model: Any,
    codec: TextCodec,
    encoded: Encoded,
    decode: DecodeConfig,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Texts generated for every source of `encoded`, in its order (`decode.generate_texts`: length-sorted batches)."""
    from cls_data.benchmark.decode import generate_texts

    sources = [encoded.src.row(i).tolist() for i in range(len(encoded))]
    if hasattr(model, "generate_texts"):  # a model behind a server answers in text (llm-prompt with --llm-url)
        return [text.strip() for text in model.generate_texts(sources, decode, on_progress)]
    return generate_texts(model, codec, sources, decode, on_progress)


def score_split(
    model: Any,
    codec: TextCodec,
    encoded: Encoded,
    decode: DecodeConfig,
    tokenizer: str,
    *,
    postprocess: Callable[[str], dict[str, Any]] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Scored:
    """Generate, post-process (e.g. MCLAS's separator) and score against the split's references."""
    import time

    from cls_data.rouge import corpus_f1, score_texts

    started = time.perf_counter()
    was_training = model.training
    model.eval()
    texts = generate(model, codec, encoded, decode, on_progress)
    model.train(was_training)
    seconds = time.perf_counter() - started
    extras = [postprocess(text) for text in texts] if postprocess else [{"prediction": text} for text in texts]
    predictions = [extra["prediction"] for extra in extras]
    pairs = score_texts(predictions, encoded.references, tokenizer)
    rows = [
        {
            "id": sample_id,
            "prediction": pred,
            "reference": ref,
            **pair.f1(),
            **{k: v for k, v in extra.items() if k != "prediction"},
        }
        for sample_id, pred, ref, pair, extra in zip(
            encoded.ids, predictions, encoded.references, pairs, extras, strict=False
        )
    ]
    empty = sum(1 for pred in predictions if not pred.strip())
    flags = [extra["separator_found"] for extra in extras if "separator_found" in extra]
    missing = sum(1 for found in flags if not found) if flags else None
    language = [extra["language_ok"] for extra in extras if "language_ok" in extra]
    wrong = sum(1 for ok in language if not ok) if language else None
    return Scored(corpus_f1(pairs), tokenizer, rows, empty, seconds, missing, wrong)
