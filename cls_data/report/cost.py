"""What a system costs: H100-hours as the plan prices its runs (comparable everywhere), and the wall time its runs
measured (training, shared stage-1 runs included, and test decoding) with the machine and load they were measured on."""

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
    return (
        f"{hours:.2f} h"
        if hours >= 0.1
        else f"{seconds / 60:.1f} min"
        if seconds >= 60
        else f"{seconds:.0f} s"
        if seconds >= 10
        else f"{seconds:.1f} s"
    )


def planned_hours(runs: RunSet, row: RunRow) -> float | None:
    """H100-hours `cls-data benchmark --plan` prices this run at (its preset's rates, its shared stage 1 included,
    as if nothing were done yet): the same on every machine, unlike the measured time. None for a preset or
    variant this engine does not know."""
    import tempfile

    from cls_data.benchmark.context import RunContext, RunSpec
    from cls_data.benchmark.plan import plan
    from cls_data.benchmark.presets import get_preset

    try:
        config = read_config(runs.root / (row.run_dir or ""))
        metrics = read_metrics(runs.root / (row.run_dir or ""))
        preset = get_preset(str(config.get("preset")))
        spec = RunSpec(
            str(config.get("dataset_path") or ""),
            row.dataset,
            row.variant,
            row.weighting,
            row.r,
            row.train_size,
            row.seed or 0,
        )
        options = config.get("options") or config.get("prompt") or {}  # "prompt": run folders made before options
        with tempfile.TemporaryDirectory() as nothing_done:
            ctx = RunContext(
                out=Path(nothing_done),
                preset=preset,
                eval_on=tuple(metrics.get("eval_on") or {}),
                paper_code=bool(config.get("paper_code")),
                options=dict(options),
            )
            planned = plan([spec], ctx)
    except (ClsDataError, KeyError, TypeError, ValueError, AttributeError):
        return None
    return sum(item.hours for item in planned)


def _load(runs: RunSet, rows: Sequence[RunRow]) -> str:
    """The machine and its load averages (1/5/15 min) as the first run with them ended, or that none was recorded."""
    for row in rows:
        try:
            machine = read_metrics(runs.root / (row.run_dir or "")).get("machine")
        except ClsDataError:
            continue
        if isinstance(machine, dict) and machine.get("load_avg"):
            load = "/".join(f"{value:g}" for value in machine["load_avg"])
            return f"{machine.get('device', '?')}, load {load} on {machine.get('cpus', '?')} CPUs"
    return "machine load not recorded"


def system_cost(runs: RunSet, rows: Sequence[RunRow]) -> str:
    """Plan-priced H100-hours per seed (comparable across machines), then the measured wall time with its load."""
    planned = [h for h in (planned_hours(runs, row) for row in rows) if h is not None]
    price = f"plan: {format_hours(sum(planned) / len(planned))} of one H100" if planned else "plan: n/a"
    measured = system_hours(runs, rows)
    return price if measured is None else f"{price}; measured {format_hours(measured)} ({_load(runs, rows)})"
