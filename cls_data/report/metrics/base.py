"""What every report metric shares: the samples it scores, the options it reads, its interface."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cls_data.report.runs import RunSet
from cls_data.run_folder import CONFIG, RunRow, read_json, read_json_lines

DEFAULT_LANG = "zh"  # config.json's tgt_lang, for runs written before it was recorded


@dataclass(frozen=True)
class Sample:
    """One test output of a run: its id, the prediction, the reference and what predictions.jsonl stored beside."""

    id: str
    prediction: str
    reference: str
    stored: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class MetricOptions:
    """The models the metrics load (Hub ids or local folders); each is part of its metric's cache key."""

    bertscore_model: str = "bert-base-multilingual-cased"
    lase_model: str = "sentence-transformers/LaBSE"
    batch_size: int = 32


class Metric(Protocol):
    """A report metric: per-sample scores in [0, 1] (one value per column), shown x100.

    `version` is bumped whenever the computation changes, so cached scores of an older version are
    computed again; `model(options)` names what it loads ("" for none), also part of the cache key."""

    name: str
    version: str
    columns: tuple[str, ...]
    labels: dict[str, str]  # column -> short table label
    caption: str

    def model(self, options: MetricOptions) -> str: ...

    def score(self, samples: Sequence[Sample], lang: str, options: MetricOptions) -> list[list[float]]: ...


def predictions_path(runs: RunSet, row: RunRow) -> Path:
    """The run's predictions on the dataset of this row: its own test set, or an --eval-on / `score --on` one."""
    name = "predictions.jsonl" if row.in_domain else f"predictions.{row.eval_dataset}.jsonl"
    return runs.run_path(row) / name


def read_samples(path: Path) -> list[Sample]:
    samples = []
    for _, data in read_json_lines(path):
        samples.append(
            Sample(str(data.get("id")), str(data.get("prediction") or ""), str(data.get("reference") or ""), data)
        )
    return samples


def target_language(runs: RunSet, row: RunRow) -> str:
    """The summaries' language: config.json's tgt_lang (an external test set shares the run's target language)."""
    path = runs.run_path(row) / CONFIG
    config = read_json(path) if path.exists() else {}
    return str(config.get("tgt_lang") or DEFAULT_LANG)
