"""`--compare-paper`: the paper's value beside ours for every cell we ran, its own claim, and its Table 4."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cls_data.report.comparability import comparability_markdown, paper_unit_mean
from cls_data.report.fidelity import is_unvalidated
from cls_data.report.paper import CAVEATS, CLAIM_BASELINE, CLAIM_SYSTEM, PAPER_SYSTEMS, REFERENCE_SYSTEM, PaperResults
from cls_data.report.runs import RunRow
from cls_data.report.tables import DATASET_ORDER, METRIC_LABELS, Cell, group_cells, order_key

TABLE_LABELS = {"table2": "Table 2", "table3": "Table 3"}
CRITERIA = (("IF", "informativeness"), ("CC", "conciseness"), ("FL", "fluency"))


def _pair(ours: float | None, paper: float | None) -> str:
    if ours is None:
        return "not run" if paper is None else f"not run / {paper:.2f}"
    return f"{ours:.2f} / {paper:.2f} (Δ {ours - paper:+.2f})"


def _cell_order(key: tuple[str, str, str, int]) -> tuple:
    table, dataset, system, size = key
    names = list(PAPER_SYSTEMS.values())
    return (table, order_key(DATASET_ORDER, dataset), size, names.index(system) if system in names else len(names))


def cells_markdown(paper: PaperResults, cells: dict[tuple[str, str, int], Cell]) -> list[str]:
    """One line per paper cell (table, dataset, system, size) that we ran: ours / paper (Δ) per metric."""
    lines = [
        "### Every cell we ran, beside the paper's",
        "",
        "ROUGE F1 x100: ours (mean over seeds) / the paper's (Δ = ours − paper). Our system is matched to the "
        'paper\'s row by name (`cls_data.report.paper.PAPER_SYSTEMS`). Unit: "paper" where every seed of the '
        'cell was scored in the paper\'s unit, else "ours" (per character: its Δ is not comparable).',
        "",
        "| paper's table | dataset | n | paper's system | ours | seeds | unit | R-1 | R-2 | R-L |",
        "|---|---|---:|---|---|---:|---|---:|---:|---:|",
    ]
    found, marks = 0, {}
    for key in sorted(paper.cells, key=_cell_order):
        table, dataset, system, size = key
        name = paper.names.get(system, system)
        if table == "table3" and name == CLAIM_SYSTEM:
            continue  # Table 3's TFLCLS row repeats Table 2's
        cell = cells.get((system, dataset, size))
        if cell is None or not cell.done:
            continue
        found += 1
        label = name
        if name in CAVEATS:
            marks.setdefault(name, "†" * (len(marks) + 1))
            label += f" {marks[name]}"
        in_paper_unit = paper_unit_mean(cell.done, "rouge2")[1] is not None
        ours = {m: paper_unit_mean(cell.done, m)[0] if in_paper_unit else cell.mean(m) for m in METRIC_LABELS}
        scores = " | ".join(_pair(ours[m], paper.cells[key].get(m)) for m in METRIC_LABELS)
        unit = "paper" if in_paper_unit else "ours"
        lines.append(
            f"| {TABLE_LABELS.get(table, table)} | {dataset} | {size:,} | {label} | {system} | {len(cell.done)} "
            f"| {unit} | {scores} |"
        )
    if not found:
        lines = lines[:2] + [
            "None of our finished runs is a cell of the paper's Tables 2-3 (the paper's systems: "
            + ", ".join(f"{name} = `{ours}`" for name, ours in PAPER_SYSTEMS.items() if ours != REFERENCE_SYSTEM)
            + "; datasets Vi2ZhLow, En2ZhLow, Zh2EnLow; n = 1,000 / 3,000 / 5,000)."
        ]
    lines += [""] + [f"{mark} {name}: {CAVEATS[name]}." for name, mark in marks.items()]
    return lines


def _gains(cell_a: Cell | None, cell_b: Cell | None) -> dict[str, float | None] | None:
    """Relative gain in % per metric (in the paper's unit when both cells have it in one unit); None for a metric the
    baseline scores 0 on (no ratio to take)."""
    if not cell_a or not cell_b or not cell_a.done or not cell_b.done:
        return None
    units = {paper_unit_mean(cell.done, "rouge2")[1] for cell in (cell_a, cell_b)}
    paper_unit = len(units) == 1 and None not in units
    out: dict[str, float | None] = {}
    for metric in METRIC_LABELS:
        if paper_unit:
            a, b = paper_unit_mean(cell_a.done, metric)[0], paper_unit_mean(cell_b.done, metric)[0]
        else:
            a, b = cell_a.mean(metric), cell_b.mean(metric)
        if a is not None and b is not None:
            out[metric] = 100 * (a / b - 1) if b else None
    return out


def _gains_text(gains: dict[str, float | None]) -> str:
    return " / ".join("n/a" if gains[m] is None else f"{gains[m]:+.2f}" for m in METRIC_LABELS if m in gains)


def claim_markdown(paper: PaperResults, cells: dict[tuple[str, str, int], Cell]) -> list[str]:
    """The paper's own comparison (TFLCLS at r = 2 over mBART-CLS, relative gains per dataset and size) and ours."""
    system, baseline = PAPER_SYSTEMS[CLAIM_SYSTEM], PAPER_SYSTEMS[CLAIM_BASELINE]
    lines = [
        f"### The paper's own comparison: {CLAIM_SYSTEM} (r = 2) against {CLAIM_BASELINE}",
        "",
        f"Relative gain of `{system}` over `{baseline}` in %, per dataset and training size: the paper's from its "
        "Table 2, ours from our means over seeds, in the paper's ROUGE unit where both cells have it, else in "
        "ours (other r values and other baselines play no part).",
    ]
    if paper.stated_text:
        lines += ["", f'Its text states: {paper.stated_text} (marked "stated" below where they match its Table 2).']
    if paper.abstract_claim:
        lines += [
            "",
            f'Its abstract states: "{paper.abstract_claim}": these are the ROUGE-2 gains over {CLAIM_BASELINE} at '
            f"n = {paper.abstract_size or 5000:,} in its Table 2.",
        ]
    lines += ["", "| dataset | n | paper: R-1 / R-2 / R-L gain | ours: R-1 / R-2 / R-L gain |", "|---|---:|---|---|"]
    columns = sorted(
        {(d, n) for (t, d, s, n) in paper.cells if t == "table2"} | {(d, n) for (s, d, n) in cells if s == system},
        key=lambda c: (order_key(DATASET_ORDER, c[0]), c[1]),
    )
    for dataset, size in columns:
        theirs = paper.claim_gains(dataset, size)
        stated = paper.stated_gains.get((dataset, size))
        if stated:  # as its text states them (its Table 2 gives the same to within rounding)
            text = " / ".join(f"{stated[m]:+.2f}" for m in METRIC_LABELS if m in stated) + " (stated)"
        else:
            text = "n/a" if not theirs else " / ".join(f"{theirs[m]:+.2f}" for m in METRIC_LABELS if m in theirs)
        ours = _gains(cells.get((system, dataset, size)), cells.get((baseline, dataset, size)))
        mine = "not run" if ours is None else _gains_text(ours)
        if ours is not None and None in ours.values():
            mine += f" (n/a: {baseline} scores 0)"
        lines.append(f"| {dataset} | {size:,} | {text} | {mine} |")
    return lines


def human_markdown(paper: PaperResults) -> list[str]:
    """The paper's Table 4 and the kit command that reproduces it (the reference summaries rated as a system)."""
    if not paper.human:
        return []
    sizes = sorted({size for _, size in paper.human})
    systems = list(dict.fromkeys(system for system, _ in paper.human))
    header = ["paper's system", "ours"] + [f"n={size:,} {c}" for size in sizes for c, _ in CRITERIA]
    lines = [
        "### Table 4: the paper's human evaluation",
        "",
        paper.human_about,
        "",
        "| " + " | ".join(header) + " |",
        "|---|---|" + "---:|" * (len(header) - 2),
    ]
    for system in systems:
        values = [paper.human.get((system, size), {}).get(c) for size in sizes for c, _ in CRITERIA]
        lines.append(
            f"| {paper.names.get(system, system)} | {system} | "
            + " | ".join("n/a" if v is None else f"{v:+.3f}" for v in values)
            + " |"
        )
    rated = ",".join(s for s in systems)
    lines += [
        "",
        f"IF, CC, FL: {', '.join(name for _, name in CRITERIA)}. To collect ours for one size: "
        f"`cls-data report human-eval export RUNS --systems {rated} --dataset Vi2ZhLow --size N --samples 25 --out "
        f"KIT` (`{REFERENCE_SYSTEM}` rates the reference summaries as one more anonymous system), then "
        "`cls-data report human-eval score KIT answers_*.csv` with one answer file per rater.",
    ]
    return lines


def paper_markdown(paper: PaperResults, rows: Sequence[RunRow], root: Path | None = None) -> str:
    cells = group_cells(rows)
    lines = ["## Ours beside the paper", "", f"Source: {paper.citation} ({paper.url}).", ""]
    lines += comparability_markdown(rows, root)
    if paper.rouge_note:
        lines += [f"**ROUGE differs:** {paper.rouge_note}", ""]
    done = [row for row in rows if row.status == "done" and row.in_domain]
    unvalidated = sorted({str(row.preset) for row in done if is_unvalidated(row)})
    if unvalidated:
        lines += [
            f"**Recipe differs:** {sum(is_unvalidated(row) for row in done)} of our {len(done)} finished runs used "
            f"preset {', '.join(f'`{p}`' for p in unvalidated)}, which changes the optimisation and is unvalidated "
            "against the paper's: a Δ below mixes that with any difference in the method.",
            "",
        ]
    lines += cells_markdown(paper, cells) + [""] + claim_markdown(paper, cells) + [""] + human_markdown(paper)
    return "\n".join(lines).rstrip() + "\n"
