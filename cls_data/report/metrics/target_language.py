"""Target-language rate: the share of outputs that can be in the target language (`cls_data.text.language_problem`).

The same check the benchmark counts as `wrong_language`, applied to every system's outputs, so
systems that never counted it (the seq2seq families) get the column too. An empty output has no
letters and passes the check; the benchmark counts those separately (empty_predictions).
"""

from __future__ import annotations

from collections.abc import Sequence

from cls_data.report.metrics.base import MetricOptions, Sample
from cls_data.text import language_problem


def in_language(text: str, lang: str) -> float:
    """1.0 when `text` may be in `lang`, 0.0 when it cannot (another script, the source echoed...)."""
    return 0.0 if language_problem(text, lang) else 1.0


class TargetLanguage:
    name = "target_lang"
    version = "1"
    columns = ("target_lang",)
    labels = {"target_lang": "in target language %"}
    caption = (
        "Share of test outputs (%) that pass the target-language check of `cls_data.text.language_problem` "
        "(script and diacritics; not a statistical identifier)."
    )

    def model(self, options: MetricOptions) -> str:
        return ""

    def score(self, samples: Sequence[Sample], lang: str, options: MetricOptions) -> list[list[float]]:
        return [[in_language(s.prediction, lang)] for s in samples]
