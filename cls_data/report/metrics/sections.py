"""The report's metric sections in one call: score every asked metric (cached), then tables, significance, ranking."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.report.metrics import COLUMNS, column_of, get_metric
from cls_data.report.metrics.base import MetricOptions
from cls_data.report.metrics.cache import MetricScores, score_runs
from cls_data.report.metrics.external import external_markdown
from cls_data.report.metrics.ranking import ranked_markdown
from cls_data.report.metrics.tables import (
    leaderboard_fields,
    metric_markdown,
    significance_markdown,
)
from cls_data.report.runs import RunSet
from cls_data.report.selection import Choice
from cls_data.report.significance import Comparison


@dataclass
class MetricSections:
    scores: list[MetricScores]
    sections: list[str] = field(default_factory=list)  # Markdown, in report order
    ranking: list[str] = field(default_factory=list)  # the --rank-by section (goes beside the recommendation)
    answer: list[str] = field(default_factory=list)  # --rank-by lines for the CLI
    fields: dict = field(default_factory=dict)  # (system, dataset, size) -> results.json fields
    computed: int = 0  # runs x metrics scored now (0 on a rerun)


def metric_sections(
    runs: RunSet,
    names: Sequence[str],
    options: MetricOptions,
    out: Path,
    comparisons: Sequence[Comparison],
    made: Sequence[Choice],
    resamples: int,
    seed: int,
    rank_by: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> MetricSections:
    column = column_of(rank_by, tuple(names)) if rank_by else None  # a bad --rank-by fails before any model loads
    # ROUGE's tables, significance and external columns read the runs' own scores; its registry entry is needed
    # only to rank by a ROUGE column
    needed = [name for name in names if name != "rouge" or (column and column in COLUMNS["rouge"])]
    scores = [score_runs(runs, get_metric(name), options, out, progress) for name in needed]
    result = MetricSections(scores, computed=sum(s.computed for s in scores))
    result.sections = [metric_markdown(runs, s) for s in scores if s.metric.name != "rouge"]
    external = external_markdown(runs, scores)
    if external:
        result.sections.append(external)
    significance = significance_markdown(runs, comparisons, scores, resamples, seed)
    if significance:
        result.sections.append(significance)
    result.fields = leaderboard_fields(runs, [s for s in scores if s.metric.name != "rouge"])
    if column:
        result.ranking, result.answer = ranked_markdown(runs, made, column, scores, resamples, seed)
    return result


def headline(rows: Sequence[dict], column: str, label: str, unit: str = "") -> str | None:
    """One line over the report's results.json rows: `label: DATASET n=SIZE: system value, ...` (None if unscored)."""
    cells: dict[tuple[str, int], list[str]] = {}
    for r in rows:
        if r.get(f"{column}_mean") is not None:
            cells.setdefault((r["dataset"], r["train_size"]), []).append(
                f"{r['system']} {r[f'{column}_mean']:.1f}{unit}"
            )
    if not cells:
        return None
    return f"{label}: " + "; ".join(f"{d} n={n:,}: " + ", ".join(parts) for (d, n), parts in cells.items())
