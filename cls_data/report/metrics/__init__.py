"""The report's metrics, one module each behind one interface (`base.Metric`), looked up by name.

`cls-data report RUNS --metrics rouge,lase,...`; scores are cached per run and metric version
(`cache.py`), so a rerun computes nothing new.
"""

from __future__ import annotations

from collections.abc import Callable

from cls_data.errors import ClsDataError
from cls_data.report.metrics.base import Metric


def _rouge() -> Metric:
    from cls_data.report.metrics.rouge import Rouge

    return Rouge()


def _bertscore() -> Metric:
    from cls_data.report.metrics.bertscore import BERTScore

    return BERTScore()


def _lase() -> Metric:
    from cls_data.report.metrics.lase import LaSE

    return LaSE()


def _target_lang() -> Metric:
    from cls_data.report.metrics.target_language import TargetLanguage

    return TargetLanguage()


# name -> factory; a factory imports its module only when the metric is asked for (LaSE pulls in torch)
REGISTRY: dict[str, Callable[[], Metric]] = {
    "rouge": _rouge,
    "bertscore": _bertscore,
    "lase": _lase,
    "target_lang": _target_lang,
}
# the columns a metric's name stands for, for --rank-by without building the metric
COLUMNS = {
    "rouge": ("rouge1", "rouge2", "rougeL"),
    "bertscore": ("bertscore",),
    "lase": ("lase",),
    "target_lang": ("target_lang",),
}


def metric_names(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """`rouge,lase` -> ("rouge", "lase"); rouge always comes first; an unknown name is one line."""
    names = [n.strip() for n in text.split(",")] if isinstance(text, str) else list(text)
    names = [n for n in names if n]
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise ClsDataError(f"--metrics: unknown {', '.join(unknown)} (choose from {', '.join(REGISTRY)})")
    return tuple(dict.fromkeys(["rouge", *names]))


def get_metric(name: str) -> Metric:
    if name not in REGISTRY:
        raise ClsDataError(f"unknown metric {name!r} (choose from {', '.join(REGISTRY)})")
    return REGISTRY[name]()


def column_of(rank_by: str, metrics: tuple[str, ...]) -> str:
    """The per-sample column --rank-by names: a column (rouge2, lase) or a one-column metric's name."""
    for name in metrics:
        if rank_by in COLUMNS[name]:
            return rank_by
    raise ClsDataError(
        f"--rank-by {rank_by}: not a column of --metrics {','.join(metrics)} "
        f"(choose from {', '.join(c for n in metrics for c in COLUMNS[n])})"
    )
