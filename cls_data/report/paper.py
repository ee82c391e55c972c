"""The paper's published numbers (Tables 2, 3 and 4, its stated gains) shipped as data with their citation."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from cls_data.errors import ClsDataError
from cls_data.report.runs import DEFAULT_R, DEFAULT_WEIGHTING
from cls_data.run_folder import system_name

PACKAGE = resources.files("cls_data.report")
META = "paper_results.json"
TABLES = "paper_tables_2_3.tsv"
HUMAN = "paper_table_4.tsv"
DATA = PACKAGE / META  # the citation (model cards read its BibTeX)
METRICS = ("rouge1", "rouge2", "rougeL")
REFERENCE_SYSTEM = "reference"  # the human-evaluation kit's name for the reference summaries as a rated system
CLAIM_SYSTEM, CLAIM_BASELINE = "TFLCLS", "mBART-CLS"  # the paper's own comparison, in its words

# The ONE map from the paper's row names to our system names (RunRow.system): variant[/weighting][/r<r>].
PAPER_SYSTEMS: dict[str, str] = {
    "NCLS": "ncls",
    "NCLS+MS": "ncls-ms",
    "MCLAS": "mclas",
    "Nguyen et al.": "nguyen-kd",
    "mBART-CLS": "mbart-cls",
    "TFLCLS": system_name("tflcls", DEFAULT_WEIGHTING, DEFAULT_R),  # its own scheme at r = 2
    "TFLCLS_base": system_name("tflcls", "sum", None),  # Table 3: the two losses added
    "TFLCLS_HU": system_name("tflcls", "hu", None),
    "TFLCLS_RHU": system_name("tflcls", "rhu", None),
    "Reference": REFERENCE_SYSTEM,  # Table 4 only
}

# Where our system is not the paper's method under the same name (docs/paper-fidelity.md, "Known defects of the
# paper's code").
CAVEATS: dict[str, str] = {
    "TFLCLS_HU": "the paper's code drew new random sigmas at every step and never learned them; "
    "ours is Kendall et al.'s HU (log sigma^2 learned), so this row compares two different methods",
}


@dataclass(frozen=True)
class PaperResults:
    citation: str
    url: str
    cells: dict[tuple[str, str, str, int], dict[str, float]]  # (table, dataset, our system, size) -> metric x100
    names: dict[str, str] = field(default_factory=dict)  # our system -> the paper's row name
    human: dict[tuple[str, int], dict[str, float]] = field(default_factory=dict)  # (our system, size) -> IF/CC/FL
    human_about: str = ""
    rouge_note: str = ""
    stated_gains: dict[tuple[str, int], dict[str, float]] = field(default_factory=dict)  # (dataset, size) -> metric %
    stated_text: str = ""
    abstract_claim: str = ""
    abstract_gains: dict[str, float] = field(default_factory=dict)  # dataset -> relative R-2 gain in %
    abstract_size: int | None = None
    figure5: dict[str, Any] = field(default_factory=dict)

    def value(self, table: str, dataset: str, system: str, size: int, metric: str) -> float | None:
        """The paper's number (x100) for one cell, or None when the paper has no such cell."""
        return self.cells.get((table, dataset, system, size), {}).get(metric)

    @property
    def has_cells(self) -> bool:
        return bool(self.cells)

    def tables_with(self, system: str) -> set[str]:
        return {table for (table, _, s, _) in self.cells if s == system}

    def claim_gains(self, dataset: str, size: int) -> dict[str, float] | None:
        """The paper's own comparison computed from its Table 2: TFLCLS (r = 2) over mBART-CLS, relative gain in %."""
        ours = self.cells.get(("table2", dataset, PAPER_SYSTEMS[CLAIM_SYSTEM], size))
        base = self.cells.get(("table2", dataset, PAPER_SYSTEMS[CLAIM_BASELINE], size))
        if not ours or not base:
            return None
        return {m: 100 * (ours[m] / base[m] - 1) for m in METRICS if m in ours and base.get(m)}


def our_system(paper_name: str, where: str = "paper data") -> str:
    try:
        return PAPER_SYSTEMS[paper_name]
    except KeyError:
        raise ClsDataError(f"{where}: unknown paper system {paper_name!r}; known: {', '.join(PAPER_SYSTEMS)}") from None


def _tsv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter="\t"))


def _number(row: dict[str, str], key: str, where: str) -> float:
    try:
        return float(row[key])
    except (KeyError, TypeError, ValueError):
        raise ClsDataError(f"{where}: column {key!r} is not a number ({row.get(key)!r})") from None


def parse_tables(text: str) -> dict[tuple[str, str, str, int], dict[str, float]]:
    """Tables 2-3 TSV (table, dataset, system, train_size, rouge1, rouge2, rougeL) keyed by our system names."""
    cells = {}
    for line, row in enumerate(_tsv(text), start=2):
        where = f"{TABLES}:{line}"
        key = (row["table"], row["dataset"], our_system(row["system"], where), int(_number(row, "train_size", where)))
        cells[key] = {m: _number(row, m, where) for m in METRICS}
    return cells


def parse_human(text: str) -> dict[tuple[str, int], dict[str, float]]:
    """Table 4 TSV (system, IF_1000, CC_1000, FL_1000, ...) as (our system, size) -> {IF, CC, FL}."""
    human: dict[tuple[str, int], dict[str, float]] = {}
    for line, row in enumerate(_tsv(text), start=2):
        where = f"{HUMAN}:{line}"
        system = our_system(row["system"], where)
        for column in row:
            if column != "system":
                criterion, _, size = column.partition("_")
                human.setdefault((system, int(size)), {})[criterion] = _number(row, column, where)
    return human


def load_paper(meta: str | None = None, tables: str | None = None, human: str | None = None) -> PaperResults:
    """The shipped data files (or texts of the same formats, for tests) as lookups keyed like our table cells."""
    data = json.loads(meta if meta is not None else (PACKAGE / META).read_text(encoding="utf-8"))
    cells = parse_tables(tables if tables is not None else (PACKAGE / TABLES).read_text(encoding="utf-8"))
    people = parse_human(human if human is not None else (PACKAGE / HUMAN).read_text(encoding="utf-8"))
    stated: dict[tuple[str, int], dict[str, float]] = {}
    text = ""
    for claim in data.get("text_claims", []):
        text = claim.get("text", text)
        for size, gains in claim.get("relative_gain_percent", {}).items():
            stated[(claim["dataset"], int(size))] = {m: float(v) for m, v in gains.items()}
    abstract = (data.get("abstract_claims") or [{}])[0]
    return PaperResults(
        citation=data["citation"]["text"],
        url=data["citation"].get("url", ""),
        cells=cells,
        names={ours: name for name, ours in PAPER_SYSTEMS.items()},
        human=people,
        human_about=data.get("human", {}).get("about", ""),
        rouge_note=data.get("tables", {}).get("rouge", ""),
        stated_gains=stated,
        stated_text=text,
        abstract_claim=abstract.get("text", ""),
        abstract_gains=dict(abstract.get("relative_gain_percent", {})),
        abstract_size=abstract.get("train_size"),
        figure5=data.get("figure5", {}),
    )
