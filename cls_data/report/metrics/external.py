"""In-domain and external test sets side by side (`score --on`, `benchmark --eval-on/--extra-test`), with the
rank correlation between them: does the ranking on the training domain survive another test set?"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from cls_data.report.judge.agreement import kendall_tau_b
from cls_data.report.metrics.cache import MetricScores, row_key
from cls_data.report.runs import RunSet
from cls_data.report.tables import DATASET_ORDER, order_key, table2_spec
from cls_data.run_folder import RunRow

Column = tuple[str, str, MetricScores | None]  # (column, label, its scores; None: ROUGE from the rows)


def _value(row: RunRow, column: str, scores: MetricScores | None) -> float | None:
    if scores is None:
        value = row.score(column)
        return None if value is None else 100 * value
    found = scores.runs.get(row_key(row))
    mean = found.mean(scores.metric.columns.index(column)) if found else None
    return None if mean is None else 100 * mean


def _mean(rows: Sequence[RunRow], column: str, scores: MetricScores | None) -> float | None:
    values = [v for row in rows if (v := _value(row, column, scores)) is not None]
    return sum(values) / len(values) if values else None


def external_markdown(runs: RunSet, all_scores: Sequence[MetricScores]) -> str:
    done = [row for row in runs.done() if row.run_dir]
    externals = sorted({row.eval_dataset for row in done if not row.in_domain})
    if not externals:
        return ""
    columns: list[Column] = [("rouge2", "R-2", None)]
    columns += [(c, s.metric.labels[c], s) for s in all_scores if s.metric.name != "rouge" for c in s.metric.columns]
    groups: dict[tuple[str, int, str, str], list[RunRow]] = defaultdict(list)
    for row in done:
        groups[(row.dataset, row.train_size, row.system, row.eval_dataset)].append(row)
    systems = table2_spec(runs.rows).rows
    lines = [
        "## In-domain and external test sets",
        "",
        "Each system (Table 2's) on its own test set and on an external one, mean over seeds x100; "
        "Kendall's tau-b between the two columns' rankings of the systems (n = systems scored on both).",
        "",
    ]
    cells = sorted(
        {(row.dataset, row.train_size) for row in done if row.in_domain},
        key=lambda c: (order_key(DATASET_ORDER, c[0]), c[1]),
    )
    for dataset, size in cells:
        for external in externals:
            present = [(label, s) for label, s in systems if groups.get((dataset, size, s, external))]
            if not present:
                continue
            header = [f"{label} {where}" for _, label, _ in columns for where in (dataset, external)]
            lines += [
                f"**{dataset} n={size:,} vs {external}**",
                "",
                "| model | " + " | ".join(header) + " |",
                "|---|" + "---:|" * len(header),
            ]
            pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
            for label, system in present:
                cells_text = []
                for column, _, scores in columns:
                    own = _mean(groups.get((dataset, size, system, dataset), []), column, scores)
                    other = _mean(groups[(dataset, size, system, external)], column, scores)
                    cells_text += ["n/a" if v is None else f"{v:.2f}" for v in (own, other)]
                    if own is not None and other is not None:
                        pairs[column].append((own, other))
                lines.append(f"| {label} | " + " | ".join(cells_text) + " |")
            taus = []
            for column, label, _ in columns:
                xs = pairs.get(column, [])
                tau = kendall_tau_b([a for a, _ in xs], [b for _, b in xs]) if len(xs) > 1 else None
                taus.append(f"{label} {'n/a' if tau is None else f'{tau:+.2f}'} (n={len(xs)})")
            lines += ["", "Rank correlation (Kendall's tau-b): " + "; ".join(taus), ""]
    return "\n".join(lines) + "\n"
