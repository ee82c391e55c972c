"""What a system cost, from the run folders' own timings: hours of training (shared stage-1 runs included) and test decoding."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cls_data.errors import ClsDataError
from cls_data.report.runs import RunSet
from cls_data.run_folder import RunRow, read_config, read_metrics, shared_rel_dir


def _shared_seconds(root: Path, row: RunRow) -> float:
    """Training time of the shared stages (stage-1 translation) this run started from, read from their own folders."""
    try:
        stages = read_config(root / (row.run_dir or ""))["model"]["spec"]["stages"]
    except (ClsDataError, KeyError, TypeError):
        return 0.0
    seconds = 0.0
    for shared in (stage.get("shared") for stage in stages if isinstance(stage, dict)):
        folder = root / shared_rel_dir(row.dataset, shared, row.train_size, row.seed or 0) if shared else None
        if folder is not None and (folder / "metrics.json").exists():
            try:
                seconds += float(read_metrics(folder).get("train_seconds") or 0.0)
            except (ClsDataError, TypeError, ValueError):
                pass
    return seconds


def run_hours(runs: RunSet, row: RunRow) -> float | None:
    """Wall-clock hours of one run: its training (with the shared stage-1 it reused) and its test decoding."""
    if row.train_seconds is None and row.decode_seconds is None:
        return None
    return ((row.train_seconds or 0.0) + (row.decode_seconds or 0.0) + _shared_seconds(runs.root, row)) / 3600


def system_hours(runs: RunSet, rows: Sequence[RunRow]) -> float | None:
    """Mean hours per seed of one system on one dataset and train size; None when no run recorded a time."""
    hours = [h for h in (run_hours(runs, row) for row in rows) if h is not None]
    return sum(hours) / len(hours) if hours else None


def format_hours(hours: float | None) -> str:
    if hours is None:
        return "n/a"
    seconds = 3600 * hours
    return (f"{hours:.2f} h" if hours >= 0.1 else f"{seconds / 60:.1f} min" if seconds >= 60
            else f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s")
