"""BERTScore F1 of a multilingual encoder (raw, no baseline rescaling), through the bert-score library."""

from __future__ import annotations

from collections.abc import Sequence

from cls_data.report.metrics.base import MetricOptions, Sample


class BERTScore:
    name = "bertscore"
    version = "1"
    columns = ("bertscore",)
    labels = {"bertscore": "BERTScore"}
    caption = "BERTScore F1 x100 of `{model}` (raw, no baseline rescaling), mean over test samples and seeds."

    def __init__(self) -> None:
        self._scorers: dict[str, object] = {}

    def model(self, options: MetricOptions) -> str:
        return options.bertscore_model

    def score(self, samples: Sequence[Sample], lang: str, options: MetricOptions) -> list[list[float]]:
        from cls_data.report.bertscore import load_scorer

        model = options.bertscore_model
        if model not in self._scorers:
            self._scorers[model] = load_scorer(model)
        _, _, f1 = self._scorers[model].score([s.prediction for s in samples], [s.reference for s in samples])
        return [[float(v)] for v in f1]
