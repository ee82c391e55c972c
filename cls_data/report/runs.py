"""Load a RUNS folder into typed rows (done, failed, from results.json).

The run-folder format itself (paths, files, the scan) is `cls_data.run_folder`; this module adds
what the report needs on top: rows of results.json whose folder is gone, order, and the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cls_data.errors import ClsDataError
from cls_data.run_folder import RESULTS, STAGE1, RunRow, read_json, scan_runs

DEFAULT_WEIGHTING = "tflcls"
DEFAULT_R = 2.0


@dataclass
class RunSet:
    """Every row found under RUNS, with where it came from and what the user should know."""

    root: Path
    rows: list[RunRow]
    notes: list[str] = field(default_factory=list)
    # significance.per_sample_scores by run folders: the recommendation and the significance section bootstrap
    # the same systems, and each predictions.jsonl is read once per report
    sample_scores: dict[tuple, tuple[dict[str, list[float]], int]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def done(self) -> list[RunRow]:
        return [row for row in self.rows if row.status == "done"]

    def in_domain(self) -> list[RunRow]:
        return [row for row in self.rows if row.in_domain]

    def run_path(self, row: RunRow) -> Path:
        return self.root / (row.run_dir or "")


def load_runs(runs: str | Path) -> RunSet:
    """Every run under RUNS: the folders scanned, plus rows of results.json whose folder is gone."""
    root = Path(runs)
    if not root.is_dir():
        raise ClsDataError(f"{root}: no such runs folder (give the --out folder of `cls-data benchmark`)")
    rows = scan_runs(root)
    notes: list[str] = []
    results = root / RESULTS
    if results.exists():
        listed = read_json(results)
        if not isinstance(listed, list):
            raise ClsDataError(f"{results}: expected a JSON list of rows")
        seen = {(row.run_dir, row.eval_dataset) for row in rows}
        extra = [RunRow.from_dict(item, f"{results} row {i}") for i, item in enumerate(listed, start=1)]
        extra = [row for row in extra if (row.run_dir, row.eval_dataset) not in seen]
        if extra:
            notes.append(f"{len(extra)} row(s) of results.json have no run folder here; shown from results.json")
        rows.extend(extra)
    if not rows:
        raise ClsDataError(f"{root}: no finished or failed runs found (no metrics.json or failed.json below it)")
    rows = [row for row in rows if row.variant != STAGE1]
    return RunSet(root, sorted(rows, key=_order), notes)


def _order(row: RunRow) -> tuple:
    return (
        row.dataset,
        row.eval_dataset,
        row.variant,
        row.weighting or "",
        row.r or 0.0,
        row.train_size,
        row.seed or 0,
    )
