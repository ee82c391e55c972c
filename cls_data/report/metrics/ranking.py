"""`--rank-by COLUMN`: the recommendation ranked by any per-sample metric column instead of validation ROUGE-2.

The candidates are the recommendation's (one system per model, `selection.choices`). Only ROUGE is
scored on validation, so any other column ranks on TEST, and the bootstrap of the top system against
the runner-up on the same test set is optimistic (it picked the winner there); the section says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from cls_data.report.metrics.cache import MetricScores
from cls_data.report.metrics.tables import seed_averaged
from cls_data.report.runs import RunSet
from cls_data.report.selection import Choice
from cls_data.report.significance import format_p, paired_bootstrap


def _owner(column: str, all_scores: Sequence[MetricScores]) -> MetricScores:
    return next(s for s in all_scores if column in s.metric.columns)


def ranked_markdown(
    runs: RunSet, made: Sequence[Choice], column: str, all_scores: Sequence[MetricScores], resamples: int, seed: int
) -> tuple[list[str], list[str]]:
    """The Markdown section and one plain line per (dataset, size) for the CLI."""
    scores = _owner(column, all_scores)
    label = scores.metric.labels[column]
    index = scores.metric.columns.index(column)
    table, plain = [], []
    for choice in made:
        per_system = {s: seed_averaged(scores, rows) for s, rows in choice.candidates.items()}
        means = {s: 100 * sum(v[index] for v in ids.values()) / len(ids) for s, ids in per_system.items() if ids}
        ranked = sorted(means, key=lambda s: (-means[s], s))
        if not ranked:
            continue
        best = ranked[0]
        where = f"| {choice.dataset} | {choice.train_size:,} | **{best}** ({means[best]:.2f}) |"
        if len(ranked) < 2:
            table.append(f"{where} (no other model) | | |")
            continue
        second = ranked[1]
        a, b = per_system[best], per_system[second]
        ids = sorted(a.keys() & b.keys())
        test = paired_bootstrap([a[i] for i in ids], [b[i] for i in ids], resamples, seed, scores.metric.columns)[
            column
        ]
        verdict = (
            "better on test (p < 0.05; optimistic: chosen on test)"
            if test.p_value < 0.05 and test.diff > 0
            else "not distinguishable from the runner-up on test"
        )
        table.append(
            f"{where} {second} ({means[second]:.2f}) | {test.diff:+.2f} [{test.low:+.2f}, {test.high:+.2f}], "
            f"p {format_p(test.p_value)} | {verdict} |"
        )
        plain.append(
            f"{choice.dataset} n={choice.train_size} by test {label}: {best} ({means[best]:.2f}) vs {second} "
            f"({means[second]:.2f}): {verdict}"
        )
    section = [
        f"## Which model should I train? Ranked by {label}",
        "",
        f"--rank-by {column}: the same candidates as above, ranked by the mean over seeds of test {label} x100. "
        "Only ROUGE is scored on validation, so this ranking uses the TEST set, and the paired bootstrap "
        "of the top system against the runner-up is optimistic.",
        "",
        f"| dataset | train size | top ({label}) | runner-up | Δ {label} [95% CI], p | verdict |",
        "|---|---:|---|---|---|---|",
        *table,
        "",
    ]
    return section, plain
