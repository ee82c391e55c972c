"""ROUGE-1/2/L F1, language-aware tokens: the per-sample scores the benchmark stored in predictions.jsonl."""

from __future__ import annotations

from collections.abc import Sequence

from cls_data.report.metrics.base import MetricOptions, Sample
from cls_data.rouge import METRICS, score_texts
from cls_data.text import tokenizer_for_language


class Rouge:
    name = "rouge"
    version = "1"
    columns = tuple(METRICS)
    labels = {"rouge1": "R-1", "rouge2": "R-2", "rougeL": "R-L"}
    caption = "ROUGE F1 x100 with the language's tokenizer (the benchmark's own scores)."

    def model(self, options: MetricOptions) -> str:
        return ""

    def score(self, samples: Sequence[Sample], lang: str, options: MetricOptions) -> list[list[float]]:
        """The stored per-sample F1 where the benchmark wrote it; computed again otherwise (an older file)."""
        if all(all(isinstance(s.stored.get(m), int | float) for m in METRICS) for s in samples):
            return [[float(s.stored[m]) for m in METRICS] for s in samples]
        pairs = score_texts(
            [s.prediction for s in samples], [s.reference for s in samples], tokenizer_for_language(lang)
        )
        return [[pair.f1()[m] for m in METRICS] for pair in pairs]
