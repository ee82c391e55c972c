"""The registry metrics in the report: Table-2 shaped tables, results.json fields and paired significance."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from cls_data.report.metrics.cache import MetricScores, RunScores, row_key
from cls_data.report.metrics.tiny_encoder import TINY_LABEL
from cls_data.report.runs import RunSet
from cls_data.report.significance import Comparison, format_p, paired_bootstrap
from cls_data.report.tables import DATASET_ORDER, group_cells, order_key, table2_spec
from cls_data.run_folder import RunRow

CellKey = tuple[str, str, int]  # (system, dataset, train size)


def _stats(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else None
    return mean, std


def cell_stats(
    runs: RunSet, scores: MetricScores, column: str
) -> dict[CellKey, tuple[float | None, float | None, int]]:
    """(system, dataset, size) -> (mean, sample std over seeds, seeds) of the run means x100, in-domain runs."""
    index = scores.metric.columns.index(column)
    result = {}
    for key, cell in group_cells(runs.rows).items():
        values = [
            100 * m for row in cell.done if (s := scores.runs.get(row_key(row))) and (m := s.mean(index)) is not None
        ]
        result[key] = (*_stats(values), len(values))
    return result


def metric_markdown(runs: RunSet, scores: MetricScores) -> str:
    """One section per metric: a block per dataset, rows = Table 2's systems, columns = train size x metric column."""
    metric = scores.metric
    spec = table2_spec(runs.rows)
    stats = {column: cell_stats(runs, scores, column) for column in metric.columns}
    caption = metric.caption.format(model=scores.model)
    if scores.tiny:
        caption += f" **Encoder: {TINY_LABEL}.**"
    lines = [
        f"## {metric.labels.get(metric.columns[0], metric.name) if len(metric.columns) == 1 else metric.name}",
        "",
        caption,
        "",
    ]
    for dataset in sorted({d for d, _ in spec.columns}, key=lambda d: order_key(DATASET_ORDER, d)):
        sizes = [s for d, s in spec.columns if d == dataset]
        header = [
            f"n={s:,}" + (f" {metric.labels[c]}" if len(metric.columns) > 1 else "")
            for s in sizes
            for c in metric.columns
        ]
        lines += [f"**{dataset}**", "", "| model | " + " | ".join(header) + " |", "|---|" + "---:|" * len(header)]
        for label, system in spec.rows:
            cells = []
            for size in sizes:
                for column in metric.columns:
                    mean, std, _ = stats[column].get((system, dataset, size), (None, None, 0))
                    means = [
                        m
                        for (s, d, n), (m, _, _) in stats[column].items()
                        if d == dataset and n == size and m is not None and s in {sys for _, sys in spec.rows}
                    ]
                    text = "n/a" if mean is None else f"{mean:.2f}" + ("" if std is None else f" ± {std:.2f}")
                    best = mean is not None and len(means) > 1 and round(mean, 2) == round(max(means), 2)
                    cells.append(f"**{text}**" if best else text)
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    lines.append("Bold: best in its column; mean ± sample std over seeds; n/a: no predictions.jsonl to score.")
    return "\n".join(lines) + "\n"


def leaderboard_fields(runs: RunSet, all_scores: Sequence[MetricScores]) -> dict[CellKey, dict[str, float | None]]:
    """Extra results.json fields per (system, dataset, size): `<column>_mean` and `<column>_std` (x100)."""
    fields: dict[CellKey, dict[str, float | None]] = defaultdict(dict)
    for scores in all_scores:
        for column in scores.metric.columns:
            for key, (mean, std, _) in cell_stats(runs, scores, column).items():
                fields[key][f"{column}_mean"] = None if mean is None else round(mean, 4)
                fields[key][f"{column}_std"] = None if std is None else round(std, 4)
    return dict(fields)


def seed_averaged(scores: MetricScores, rows: Sequence[RunRow]) -> dict[str, list[float]]:
    """id -> per-sample values averaged over the given seeds (as the ROUGE bootstrap does)."""
    sums: dict[str, list[float]] = {}
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        found: RunScores | None = scores.runs.get(row_key(row))
        for sample_id, values in (found.by_id() if found else {}).items():
            total = sums.setdefault(sample_id, [0.0] * len(values))
            for i, value in enumerate(values):
                total[i] += value
            counts[sample_id] += 1
    return {k: [v / counts[k] for v in total] for k, total in sums.items()}


def significance_markdown(
    runs: RunSet, comparisons: Sequence[Comparison], all_scores: Sequence[MetricScores], resamples: int, seed: int
) -> str:
    """The ROUGE section's pairs, bootstrapped on every other per-sample metric (same resamples and seed)."""
    others = [s for s in all_scores if s.metric.name != "rouge"]
    if not others or not comparisons:
        return ""
    cells: dict[tuple[str, str, int], list[RunRow]] = defaultdict(list)
    for row in runs.done():
        if row.in_domain:
            cells[(row.system, row.dataset, row.train_size)].append(row)
    columns = [(s, c) for s in others for c in s.metric.columns]
    lines = [
        "## Significance on the other metrics",
        "",
        f"The pairs above, paired bootstrap over the same test samples ({resamples:,} resamples, seed {seed}); "
        "Δ = A − B x100.",
        "",
        "| dataset | n | A | B | samples | "
        + " | ".join(f"Δ {s.metric.labels[c]} [95% CI] | p" for s, c in columns)
        + " |",
        "|---|---:|---|---|---:|" + "---:|---:|" * len(columns),
    ]
    for c in comparisons:
        rows_a, rows_b = (
            cells.get((c.system_a, c.dataset, c.train_size), []),
            cells.get((c.system_b, c.dataset, c.train_size), []),
        )
        parts, n = [], 0
        for scores in others:
            a, b = seed_averaged(scores, rows_a), seed_averaged(scores, rows_b)
            ids = sorted(a.keys() & b.keys())
            n = max(n, len(ids))
            tests = (
                paired_bootstrap([a[i] for i in ids], [b[i] for i in ids], resamples, seed, scores.metric.columns)
                if ids
                else {}
            )
            for column in scores.metric.columns:
                t = tests.get(column)
                parts += [f"{t.diff:+.2f} [{t.low:+.2f}, {t.high:+.2f}]", format_p(t.p_value)] if t else ["n/a", "n/a"]
        lines.append(
            f"| {c.dataset} | {c.train_size:,} | {c.system_a} | {c.system_b} | {n} | " + " | ".join(parts) + " |"
        )
    return "\n".join(lines) + "\n"
