"""RUNS/results.json (one row per run and evaluation dataset, docs/run-folders.md) and a first RUNS/results.md.

Rows come from scanning the run folders, not from memory, so shards that share RUNS converge on
the same file whichever writes last.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cls_data.outputs import write_json_atomic, write_text_atomic


def collect_rows(out: Path) -> list[dict]:
    """One row per (finished run, evaluation dataset) and one per failed run, sorted by run folder.

    The run folders are read by the report's scanner (one reader of the format, docs/run-folders.md);
    shared stage-1 runs are steps of other runs, not rows of their own.
    """
    from cls_data.report.runs import STAGE1, scan_runs

    rows = [dataclasses.asdict(row) for row in scan_runs(out) if row.variant != STAGE1]
    return sorted(rows, key=lambda row: (row["run_dir"], row["eval_dataset"] != row["dataset"], row["eval_dataset"]))


def write_results(out: Path) -> list[dict]:
    """Rewrite RUNS/results.json and RUNS/results.md atomically from the run folders."""
    rows = collect_rows(out)
    write_json_atomic(out / "results.json", rows)
    write_text_atomic(out / "results.md", results_markdown(rows))
    return rows


def results_markdown(rows: list[dict]) -> str:
    """Tables 2 and 3 as the report lays them out (one table builder for both commands)."""
    from cls_data.report.tables import build_results_markdown

    return build_results_markdown(rows)
