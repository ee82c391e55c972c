"""Tables 2 and 3 of the paper (and the r sweep) as Markdown: ROUGE x100, mean +- std over seeds, best in bold."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cls_data.benchmark.registry import WEIGHTINGS
from cls_data.report.runs import DEFAULT_R, DEFAULT_WEIGHTING
from cls_data.run_folder import OUTPUT_COUNTS, STAGE1, RunRow, format_r

if TYPE_CHECKING:
    from cls_data.report.paper import PaperResults

METRIC_LABELS = {"rouge1": "R-1", "rouge2": "R-2", "rougeL": "R-L"}
# The paper's order: its datasets, then baselines before the method and its ablations.
DATASET_ORDER = ("Vi2ZhLow", "En2ZhLow", "Zh2EnLow")
VARIANT_ORDER = ("ncls", "ncls-ms", "mclas", "nguyen-kd", "mbart-cls", "tflcls-no-tra", "tflcls-no-mul", "tflcls")
ADDITION_MARK = "†"  # Table 2 rows of systems the paper did not run (e.g. the decoder-only LLM family)
Column = tuple[str, int]  # (dataset, train size)
FIGURE5_CELL: Column = ("Vi2ZhLow", 5000)  # the one cell the paper swept r on


def order_key(order: Sequence[str], name: str) -> tuple[int, str]:
    return (order.index(name) if name in order else len(order), name)


@dataclass
class Cell:
    """The runs of one system on one dataset and train size: seeds done and seeds failed."""

    done: list[RunRow] = field(default_factory=list)
    failed: list[RunRow] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "done" if self.done else "failed" if self.failed else "missing"

    def values(self, metric: str) -> list[float]:
        return [100 * row.score(metric) for row in self.done if row.score(metric) is not None]

    def mean(self, metric: str) -> float | None:
        values = self.values(metric)
        return sum(values) / len(values) if values else None

    def std(self, metric: str) -> float | None:
        """Sample standard deviation over seeds (n - 1), None for a single seed."""
        values = self.values(metric)
        if len(values) < 2:
            return None
        mean = sum(values) / len(values)
        return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))

    def count_mean(self, count: str) -> float | None:
        """Mean over the seeds done of a metrics.json count (`run_folder.OUTPUT_COUNTS`); None where no run has it."""
        values = [getattr(row, count) for row in self.done if getattr(row, count) is not None]
        return sum(values) / len(values) if values else None

    @property
    def n_test(self) -> int | None:
        return next((row.n_test for row in self.done if row.n_test), None)


def group_cells(rows: Iterable[RunRow]) -> dict[tuple[str, str, int], Cell]:
    """(system, dataset, train size) -> Cell, in-domain rows only."""
    cells: dict[tuple[str, str, int], Cell] = defaultdict(Cell)
    for row in rows:
        if not row.in_domain or row.status == "missing":
            continue
        cell = cells[(row.system, row.dataset, row.train_size)]
        (cell.done if row.status == "done" else cell.failed).append(row)
    return dict(cells)


def columns_of(rows: Iterable[RunRow]) -> list[Column]:
    found = {(row.dataset, row.train_size) for row in rows if row.in_domain}
    return sorted(found, key=lambda col: (order_key(DATASET_ORDER, col[0]), col[1]))


def is_addition(variant: str) -> bool:
    """A variant beyond the paper's systems (its rows are marked, and bootstrapped against the paper's)."""
    return variant not in VARIANT_ORDER


def default_system(variant: str, systems: Iterable[str]) -> str:
    """The system standing for a variant in Table 2: its paper default (weighting tflcls, r 2) when run."""

    def preference(system: str) -> tuple:
        parts = system.split("/")
        weighting = parts[1] if len(parts) > 1 else None
        r = float(parts[2][1:]) if len(parts) > 2 else None
        return (
            weighting not in (None, DEFAULT_WEIGHTING),
            abs((r if r is not None else DEFAULT_R) - DEFAULT_R),
            system,
        )

    candidates = [s for s in systems if s.split("/")[0] == variant]
    return min(candidates, key=preference)


@dataclass
class TableSpec:
    """One table: a title, labelled rows (one system each) and (dataset, size) columns."""

    key: str  # "table2", "table3", "rsweep": also the key of the paper's numbers
    title: str
    rows: list[tuple[str, str]]  # (label, system)
    columns: list[Column]
    notes: list[str] = field(default_factory=list)


def table2_spec(rows: Sequence[RunRow]) -> TableSpec:
    systems = {row.system for row in rows if row.in_domain}
    variants = sorted({s.split("/")[0] for s in systems}, key=lambda v: order_key(VARIANT_ORDER, v))
    spec_rows = []
    for variant in variants:
        system = default_system(variant, systems)
        label = variant if system == variant else f"{variant} ({system.split('/', 1)[1]})"
        spec_rows.append((f"{label} {ADDITION_MARK}" if is_addition(variant) else label, system))
    notes = (
        [f"{ADDITION_MARK} an addition: not one of the paper's systems (the LLM family: docs/llm.md)"]
        if any(is_addition(v) for v in variants)
        else []
    )
    for label, system in spec_rows:
        swept = {s for s in systems if s.rsplit("/", 1)[0] == system.rsplit("/", 1)[0] and "/r" in s}
        if "/r" in system and len(swept) > 1:
            notes.append(
                f"{label}: r = {system.rsplit('/r', 1)[1]}, the paper's default, whatever r validation "
                'prefers; "Which model should I train?" chooses r on validation and says which (every r: '
                "the Figure 5 table)."
            )
    return TableSpec(
        "table2", "Table 2: every variant at its default loss weighting", spec_rows, columns_of(rows), notes
    )


def table3_spec(rows: Sequence[RunRow]) -> TableSpec | None:
    """TFLCLS under each loss-weighting scheme (the paper's own scheme at its default r)."""
    systems = {row.system for row in rows if row.in_domain and row.variant == "tflcls" and row.weighting}
    by_weighting: dict[str, list[str]] = defaultdict(list)
    for system in systems:
        by_weighting[system.split("/")[1]].append(system)
    if len(by_weighting) < 2:
        return None
    spec_rows = []
    order = tuple(WEIGHTINGS)  # the registry's order (a scheme registered anywhere has its row)
    for weighting in sorted(by_weighting, key=lambda w: order_key(order, w)):
        system = default_system("tflcls", by_weighting[weighting])
        spec_rows.append((system.split("/", 1)[1], system))
    notes = []
    if "hu" in by_weighting:
        notes.append(
            "hu is Kendall et al.'s HU (log sigma^2 learned); the paper's code drew new random sigmas at every "
            "step, so the paper's HU row is another method (docs/paper-fidelity.md)."
        )
    return TableSpec("table3", "Table 3: TFLCLS under each loss-weighting scheme", spec_rows, columns_of(rows), notes)


def rsweep_spec(rows: Sequence[RunRow]) -> TableSpec | None:
    """TFLCLS's scheme over r (the numbers behind Figure 5)."""
    found = {
        row.r
        for row in rows
        if row.in_domain and row.variant == "tflcls" and row.weighting == DEFAULT_WEIGHTING and row.r is not None
    }
    if len(found) < 2:
        return None
    spec_rows = [(f"r = {r:g}", f"tflcls/{DEFAULT_WEIGHTING}/{format_r(r)}") for r in sorted(found)]
    swept: dict[Column, set[float]] = defaultdict(set)
    for row in rows:
        if row.in_domain and row.system in {system for _, system in spec_rows}:
            swept[(row.dataset, row.train_size)].add(row.r)
    columns = [
        column for column in columns_of(rows) if len(swept[column]) > 1
    ]  # a lone r = 2 is Table 2's, not a sweep
    if not columns:
        return None
    notes = [
        f"The paper's Figure 5 swept r = 1.0-3.5 on {FIGURE5_CELL[0]} at n = {FIGURE5_CELL[1]:,} (test scores; "
        "best r = 2.5 on test, r = 2 chosen on validation)."
    ]
    extra = [f"{dataset} n={size:,}" for dataset, size in columns if (dataset, size) != FIGURE5_CELL]
    if extra:
        notes.append(f"Additions beyond the paper's Figure 5: {', '.join(extra)}.")
    cells = group_cells(row for row in rows if row.system in {system for _, system in spec_rows})
    for dataset, size in columns:
        vals = {
            system: [r.val_rouge2 for r in cell.done]
            for (system, d, n), cell in cells.items()
            if (d, n) == (dataset, size) and cell.done
        }
        vals = {system: sum(v) / len(v) for system, v in vals.items() if v and None not in v}
        if len(vals) > 1:
            best = max(vals, key=vals.get)
            notes.append(
                f"{dataset} n={size:,}: r = {best.rsplit('/r', 1)[1]} has the best validation R-2 "
                f"({100 * vals[best]:.2f}); the recommendation uses that r."
            )
    return TableSpec("rsweep", "Figure 5 data: TFLCLS's loss weighting over r", spec_rows, columns, notes)


def unique_best(means: Iterable[float | None]) -> float | None:
    """The best of a column as shown (2 decimals) when one system alone has it; None for a tie or a single entry."""
    shown = [round(mean, 2) for mean in means if mean is not None]
    if len(shown) < 2:
        return None  # one entry is best of nothing
    top = max(shown)
    return top if shown.count(top) == 1 else None


def _format(cell: Cell | None, metric: str, best: bool, modal_seeds: int) -> str:
    if cell is None:
        return "missing"
    mean = cell.mean(metric)
    if mean is None:
        return "failed" if cell.failed else "missing"
    std = cell.std(metric)
    text = f"{mean:.2f}" if std is None else f"{mean:.2f} ± {std:.2f}"
    if best:
        text = f"**{text}**"
    extra = []
    if len(cell.done) != modal_seeds:
        extra.append(f"{len(cell.done)} seed{'s' if len(cell.done) != 1 else ''}")
    if cell.failed:
        extra.append(f"{len(cell.failed)} failed")
    return f"{text} ({', '.join(extra)})" if extra else text


def _paper_suffix(ours: float | None, paper_value: float | None) -> str:
    if paper_value is None:
        return " / paper n/a"
    if ours is None:
        return f" / paper {paper_value:.2f}"
    return f" / paper {paper_value:.2f} (Δ {ours - paper_value:+.2f})"


def render_table(spec: TableSpec, cells: dict[tuple[str, str, int], Cell], paper: PaperResults | None = None) -> str:
    """Markdown: one block per dataset, rows = systems, columns = train size x R-1/R-2/R-L."""
    seed_counts = Counter(len(c.done) for c in cells.values() if c.done)
    modal_seeds = seed_counts.most_common(1)[0][0] if seed_counts else 1
    lines = [f"### {spec.title}", ""]
    datasets = list(dict.fromkeys(dataset for dataset, _ in spec.columns))
    for dataset in datasets:
        sizes = [size for d, size in spec.columns if d == dataset]
        tokenizers = sorted(
            {row.tokenizer for c in cells.values() for row in c.done if row.dataset == dataset and row.tokenizer}
        )
        lines += [f"**{dataset}** (ROUGE F1 x100, tokenizer {', '.join(tokenizers) or 'unknown'})", ""]
        header = ["model"] + [f"n={size:,} {METRIC_LABELS[m]}" for size in sizes for m in METRIC_LABELS]
        lines += ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
        best = {
            (size, metric): unique_best(
                [cells[k].mean(metric) for k in ((s, dataset, size) for _, s in spec.rows) if k in cells]
            )
            for size in sizes
            for metric in METRIC_LABELS
        }
        for label, system in spec.rows:
            row_cells = [label]
            for size in sizes:
                cell = cells.get((system, dataset, size))
                for metric in METRIC_LABELS:
                    mean = cell.mean(metric) if cell else None
                    is_best = mean is not None and best[(size, metric)] == round(mean, 2)
                    text = _format(cell, metric, is_best, modal_seeds)
                    if paper is not None and spec.key in paper.tables_with(system):
                        text += _paper_suffix(mean, paper.value(spec.key, dataset, system, size, metric))
                    row_cells.append(text)
            lines.append("| " + " | ".join(row_cells) + " |")
        lines.append("")
    seeds_note = f"mean ± sample std over {modal_seeds} seeds" if modal_seeds > 1 else "one seed per cell"
    lines.append(
        f'Bold: the one best in its column (none where the best ties). {seeds_note}; "failed": every seed '
        'raised; "missing": not run.'
    )
    lines += [f"- {note}" for note in spec.notes]
    if paper is not None:  # the paper's number is in its own ROUGE unit, not this table's (docs/paper-fidelity.md)
        lines.append(
            '- "/ paper": the paper\'s value in its ROUGE unit (the `rouge` package on mBART pieces), not this '
            "table's, so its Δ mixes two units; \"Ours beside the paper\" compares in the paper's unit where "
            "the runs were scored in it."
        )
    return "\n".join(lines) + "\n"


def failures_markdown(rows: Sequence[RunRow]) -> str:
    failed = [row for row in rows if row.status == "failed"]
    if not failed:
        return ""
    lines = ["### Failed runs", "", "| run | error |", "|---|---|"]
    lines += [f"| `{row.run_dir}` | {(row.error or '').replace('|', '/')[:200]} |" for row in failed]
    return "\n".join(lines) + "\n"


def cross_dataset_markdown(rows: Sequence[RunRow]) -> str:
    """Runs scored on another dataset's test set (the engine's --eval-on): mean over seeds, x100."""
    groups: dict[tuple[str, str, str, int], list[RunRow]] = defaultdict(list)
    for row in rows:
        if not row.in_domain and row.status == "done":
            groups[(row.dataset, row.eval_dataset, row.system, row.train_size)].append(row)
    if not groups:
        return ""
    lines = [
        "### Cross-dataset evaluation",
        "",
        "| trained on | tested on | model | n | seeds | R-1 | R-2 | R-L | tokenizer |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for (dataset, eval_dataset, system, size), group in sorted(groups.items()):
        cell = Cell(done=group)
        scores = " | ".join("n/a" if cell.mean(m) is None else f"{cell.mean(m):.2f}" for m in METRIC_LABELS)
        lines.append(
            f"| {dataset} | {eval_dataset} | {system} | {size:,} | {len(group)} | {scores} | "
            f"{group[0].tokenizer or '?'} |"
        )
    return "\n".join(lines) + "\n"


COUNT_LABELS = {
    "empty_predictions": "empty",
    "separator_missing": "no separator",
    "wrong_language": "not in the target language",
}


def _count(value: float | None, n_test: int | None) -> str:
    if value is None:
        return "—"
    return f"{round(value, 1):g}" + (f" ({100 * value / n_test:.1f}%)" if n_test else "")


def degenerate_markdown(rows: Sequence[RunRow]) -> str:
    """Test outputs that were empty, lacked MCLAS's separator or were not in the target language, per system and
    train size (mean over seeds); only systems with a count above zero."""
    cells = group_cells(rows)
    order = sorted(
        cells,
        key=lambda key: (
            order_key(DATASET_ORDER, key[1]),
            key[2],
            order_key(VARIANT_ORDER, key[0].split("/")[0]),
            key[0],
        ),
    )
    lines = []
    for system, dataset, size in order:
        cell = cells[(system, dataset, size)]
        means = [cell.count_mean(count) for count in OUTPUT_COUNTS]
        if any(means):
            lines.append(
                f"| {dataset} | {size:,} | {system} | {len(cell.done)} | {cell.n_test or '?'} | "
                + " | ".join(_count(mean, cell.n_test) for mean in means)
                + " |"
            )
    if not lines:
        return ""
    header = [
        "### Degenerate test outputs",
        "",
        "| dataset | n | model | seeds | n_test | " + " | ".join(COUNT_LABELS[count] for count in OUTPUT_COUNTS) + " |",
        "|---|---:|---|---:|---:|" + "---:|" * len(OUTPUT_COUNTS),
    ]
    note = (
        "Test outputs per run, mean over the seeds that finished (share of n_test); they are scored as they are, not "
        'removed. "—": the system makes no such check. A generation without its separator leaves an empty '
        "prediction, so those are also among the empty ones."
    )
    return "\n".join([*header, *lines, "", note]) + "\n"


def _as_rows(rows: Iterable[RunRow | dict[str, Any]]) -> list[RunRow]:
    return [row if isinstance(row, RunRow) else RunRow.from_dict(row, "results row") for row in rows]


def build_results_markdown(rows: Iterable[RunRow | dict[str, Any]], paper: PaperResults | None = None) -> str:
    """Table 2, Table 3 and the r sweep for these rows (results.json dicts or RunRows)."""
    rows = [row for row in _as_rows(rows) if row.variant != STAGE1]
    if not rows:
        return "# Results\n\nNo runs yet.\n"
    cells = group_cells(rows)
    parts = ["# Results", ""]
    for spec in (table2_spec(rows), table3_spec(rows), rsweep_spec(rows)):
        if spec is not None:
            parts.append(render_table(spec, cells, paper))
    for section in (cross_dataset_markdown(rows), degenerate_markdown(rows)):
        if section:
            parts.append(section)
    failures = failures_markdown(rows)
    if failures:
        parts.append(failures)
    return "\n".join(parts)
