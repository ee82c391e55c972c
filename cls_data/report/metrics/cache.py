"""Per-run, per-metric scores, cached in the report folder so a rerun computes nothing new.

One small JSON file per run and metric (`<out>/metric_cache/<metric>/<hash of the key>.json`), the key
being (metric, version, model, target language, SHA-256 of the predictions file), holds the run's
sample ids and per-sample values; one file each, so a grid of hundreds of runs never rewrites a big one.
A changed predictions file, model or metric version misses the cache and is scored again; the
model is loaded only on a miss.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cls_data.dataset_folder import file_sha256
from cls_data.errors import ClsDataError
from cls_data.outputs import write_json_atomic
from cls_data.report.metrics.base import (
    Metric,
    MetricOptions,
    predictions_path,
    read_samples,
    target_language,
)
from cls_data.report.metrics.tiny_encoder import is_tiny
from cls_data.report.runs import RunSet
from cls_data.run_folder import RunRow

CACHE_DIR = "metric_cache"
RowKey = tuple[str, str]  # (run_dir, eval_dataset)


@dataclass
class RunScores:
    """One run's per-sample values of one metric on one dataset (columns in the metric's order)."""

    ids: list[str]
    values: list[list[float]]

    def mean(self, column: int) -> float | None:
        return sum(v[column] for v in self.values) / len(self.values) if self.values else None

    def by_id(self) -> dict[str, list[float]]:
        return dict(zip(self.ids, self.values, strict=True))


@dataclass
class MetricScores:
    """Every scored run of one metric, and how many were computed now (0 on a rerun)."""

    metric: Metric
    runs: dict[RowKey, RunScores]
    computed: int
    model: str
    tiny: bool = False  # scored with the tiny random encoder (recorded with each entry: the folder may be gone since)


def row_key(row: RunRow) -> RowKey:
    return (row.run_dir or "", row.eval_dataset or row.dataset)


def _load(path: Path) -> dict | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None  # a cache is disposable: a broken entry is scored again
    ok = isinstance(data, dict) and isinstance(data.get("ids"), list) and isinstance(data.get("values"), list)
    return data if ok else None


def score_runs(
    runs: RunSet, metric: Metric, options: MetricOptions, out: Path, on_progress: Callable[[str], None] | None = None
) -> MetricScores:
    """The metric on every finished run's predictions (own test set and any external one)."""
    folder = out / CACHE_DIR / metric.name
    model = metric.model(options)
    scores: dict[RowKey, RunScores] = {}
    computed, tiny = 0, False
    rows = [row for row in runs.done() if row.run_dir and predictions_path(runs, row).exists()]
    for i, row in enumerate(rows, start=1):
        file = predictions_path(runs, row)
        lang = target_language(runs, row)
        key = f"{metric.name}|v{metric.version}|{model}|{lang}|{file_sha256(file)}"
        path = folder / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}.json"
        entry = _load(path)
        if entry is None:
            samples = read_samples(file)
            if not samples:
                continue
            if on_progress:
                on_progress(f"{metric.name}: scoring {row.run_dir} on {row.eval_dataset} ({i}/{len(rows)})")
            values = metric.score(samples, lang, options)
            if len(values) != len(samples):
                raise ClsDataError(f"{metric.name}: {len(values)} scores for {len(samples)} samples of {file}")
            entry = {
                "key": key,
                "run_dir": row.run_dir,
                "tiny": is_tiny(model),
                "ids": [s.id for s in samples],
                "values": [[round(float(x), 6) for x in v] for v in values],
            }
            computed += 1
            folder.mkdir(parents=True, exist_ok=True)
            write_json_atomic(path, entry)  # after every run: an interrupted report keeps what it scored
        scores[row_key(row)] = RunScores(entry["ids"], entry["values"])
        tiny = tiny or bool(entry.get("tiny"))
    return MetricScores(metric, scores, computed, model, tiny)
