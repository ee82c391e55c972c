"""The report's `results.json`: one row per dataset, train size and system, for a leaderboard or a notebook.

Not to be confused with `RUNS/results.json`, which the benchmark rewrites after every run with one
row per run and evaluation dataset (docs/run-folders.md). This file aggregates the seeds of each
system on its own test set: means and sample standard deviations of ROUGE (F1 x100), the mean
validation ROUGE-2 (what the report chooses on), the mean counts of degenerate test outputs (empty,
no separator, wrong language), the seeds done and failed, the rank by mean test ROUGE-2 and the
report's recommendation for that dataset and size (`selection.Choice`).
It is a flat JSON list, so `pandas.read_json(path)` and `datasets.load_dataset("json", data_files=path)`
read it as a table (docs/tracking-and-publishing.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cls_data.outputs import write_json_atomic
from cls_data.report.runs import RunSet
from cls_data.report.selection import Choice
from cls_data.report.tables import DATASET_ORDER, Cell, group_cells, order_key
from cls_data.run_folder import OUTPUT_COUNTS

METRICS = ("rouge1", "rouge2", "rougeL")
FIELDS = (
    "dataset",
    "train_size",
    "system",
    "variant",
    "weighting",
    "r",
    "rank",
    "recommended",
    "verdict",
    "tokenizer",
    "n_test",
    "n_seeds",
    "seeds",
    "seeds_failed",
    *(f"{m}_{s}" for m in METRICS for s in ("mean", "std")),
    "val_rouge2_mean",
    *(f"{count}_mean" for count in OUTPUT_COUNTS),
    "train_seconds_mean",
    "run_dirs",
    "preset",
    "preset_status",
    "test_weights",
    "paper_unit",
    *(f"paper_{m}_mean" for m in METRICS),
)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _row(system: str, dataset: str, size: int, cell: Cell, choice: Choice | None) -> dict[str, Any]:
    first = (cell.done or cell.failed)[0]
    seconds = [row.train_seconds for row in cell.done if row.train_seconds is not None]
    vals = [row.val_rouge2 for row in cell.done if row.val_rouge2 is not None]
    recommended = bool(choice and choice.ranked and choice.ranked[0] == system)
    row: dict[str, Any] = {
        "dataset": dataset,
        "train_size": size,
        "system": system,
        "variant": first.variant,
        "weighting": first.weighting,
        "r": first.r,
        "rank": None,
        "recommended": recommended,
        "verdict": choice.verdict if recommended else None,
        "tokenizer": next((r.tokenizer for r in cell.done if r.tokenizer), None),
        "n_test": cell.n_test,
        "n_seeds": len(cell.done),
        "seeds": sorted(r.seed for r in cell.done if r.seed is not None),
        "seeds_failed": sorted(r.seed for r in cell.failed if r.seed is not None),
    }
    for metric in METRICS:
        row[f"{metric}_mean"], row[f"{metric}_std"] = _round(cell.mean(metric)), _round(cell.std(metric))
    row["val_rouge2_mean"] = _round(100 * sum(vals) / len(vals)) if vals and len(vals) == len(cell.done) else None
    for count in OUTPUT_COUNTS:  # test outputs per run (of n_test); null where the system makes no such check
        row[f"{count}_mean"] = _round(cell.count_mean(count))
    row["train_seconds_mean"] = _round(sum(seconds) / len(seconds)) if seconds else None
    row["run_dirs"] = sorted(r.run_dir for r in [*cell.done, *cell.failed] if r.run_dir)
    return {**row, **_recipe(cell)}


def _recipe(cell: Cell) -> dict[str, Any]:
    """The preset, its status and the test weights (each: the one value of the cell's runs, or a list when they
    differ), and the paper-unit means where every run has them (x100)."""
    runs = cell.done or cell.failed
    out: dict[str, Any] = {}
    for key in ("preset", "preset_status", "test_weights"):
        values = sorted({str(getattr(r, key)) for r in runs if getattr(r, key) is not None})
        out[key] = values[0] if len(values) == 1 else (values or None)
    papers = [r.paper_rouge for r in cell.done]
    units = {p.get("unit") for p in papers if p}
    complete = bool(papers) and all(papers) and len(units) == 1
    out["paper_unit"] = units.pop() if complete else None
    for metric in METRICS:
        out[f"paper_{metric}_mean"] = _round(100 * sum(p[metric] for p in papers) / len(papers)) if complete else None
    return out


def leaderboard_rows(runs: RunSet, made: list[Choice] | None = None, extra: dict | None = None) -> list[dict[str, Any]]:
    """Rows ordered by dataset (the paper's order), train size and rank; `made` are the report's choices
    (`selection.choices`, their verdicts set by `selection.recommendations`); `extra` adds fields per
    (system, dataset, size): the other metrics' means and stds (report/metrics)."""
    picks = {(choice.dataset, choice.train_size): choice for choice in made or []}
    extra = extra or {}
    rows = [
        {**_row(system, dataset, size, cell, picks.get((dataset, size))), **extra.get((system, dataset, size), {})}
        for (system, dataset, size), cell in group_cells(runs.rows).items()
    ]
    rows.sort(
        key=lambda r: (
            order_key(DATASET_ORDER, r["dataset"]),
            r["train_size"],
            -(r["rouge2_mean"] if r["rouge2_mean"] is not None else -1),
            r["system"],
        )
    )
    rank, column = 0, None
    for row in rows:
        rank = rank + 1 if column == (row["dataset"], row["train_size"]) else 1
        column = (row["dataset"], row["train_size"])
        row["rank"] = rank if row["n_seeds"] else None
    return rows


def write_leaderboard(runs: RunSet, path: Path, made: list[Choice] | None = None, extra: dict | None = None) -> Path:
    write_json_atomic(path, leaderboard_rows(runs, made, extra))
    return path
