"""The paper's published numbers (Tables 2-3) shipped as data with their citation, for --compare-paper."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from cls_data.report.runs import DEFAULT_R, DEFAULT_WEIGHTING

DATA = resources.files("cls_data.report") / "paper_results.json"


@dataclass(frozen=True)
class PaperResults:
    citation: str
    url: str
    status: str
    cells: dict[tuple[str, str, str, int], dict[str, float]]  # (table, dataset, system, size) -> metric x100
    abstract_gains: dict[str, float] = field(default_factory=dict)  # dataset -> relative R-2 gain in %
    abstract_claim: str = ""

    def value(self, table: str, dataset: str, system: str, size: int, metric: str) -> float | None:
        """The paper's number (x100) for one cell, or None when the paper's value is not in the data file."""
        return self.cells.get((table, dataset, system, size), {}).get(metric)

    @property
    def has_cells(self) -> bool:
        return bool(self.cells)


def _system(row: dict[str, Any]) -> str:
    from cls_data.run_folder import system_name

    variant = row["variant"]
    weighting, r = row.get("weighting"), row.get("r")
    if variant == "tflcls" and weighting is None:  # the paper's TFLCLS row is its own scheme at r = 2
        weighting, r = DEFAULT_WEIGHTING, DEFAULT_R
    return system_name(variant, weighting, None if r is None else float(r))


def load_paper(text: str | None = None) -> PaperResults:
    """The shipped data file (or `text`, for tests) as lookups keyed like our table cells."""
    data = json.loads(text if text is not None else DATA.read_text(encoding="utf-8"))
    cells: dict[tuple[str, str, str, int], dict[str, float]] = {}
    for table in ("table2", "table3"):
        for row in data.get(table, []):
            key = (table, row["dataset"], _system(row), int(row["train_size"]))
            cells[key] = {m: float(row[m]) for m in ("rouge1", "rouge2", "rougeL") if row.get(m) is not None}
    claims = data.get("abstract_claims") or [{}]
    return PaperResults(
        citation=data["citation"]["text"], url=data["citation"].get("url", ""), status=data.get("status", ""),
        cells=cells, abstract_gains=dict(claims[0].get("relative_gain_percent", {})),
        abstract_claim=claims[0].get("text", ""),
    )
