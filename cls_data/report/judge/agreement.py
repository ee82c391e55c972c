"""The judge against people: Kendall's tau-b between its scores and Best-Worst Scaling ratings of the same summaries.

A BWS rating per (item, system, criterion) is the raters' mean of +1 (chosen best), -1 (chosen
worst) and 0; the judge's score of the same summary is its 1-5 integer. The criteria are matched
by meaning (coverage ~ informativeness, fluency ~ fluency); faithfulness has no BWS counterpart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from cls_data.report.bws import RaterAnswers, load_key, read_answers

MATCHED = {"coverage": "informativeness", "fluency": "fluency"}  # judge criterion -> BWS criterion


def kendall_tau_b(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Kendall's tau-b (ties in either variable corrected); None when either side is constant or n < 2."""
    concordant = discordant = ties_x = ties_y = 0
    n = len(x)
    for i in range(n):
        for j in range(i + 1, n):
            dx, dy = x[i] - x[j], y[i] - y[j]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                ties_x += 1
            elif dy == 0:
                ties_y += 1
            elif (dx > 0) == (dy > 0):
                concordant += 1
            else:
                discordant += 1
    denominator = ((concordant + discordant + ties_x) * (concordant + discordant + ties_y)) ** 0.5
    return None if denominator == 0 else (concordant - discordant) / denominator


def answer_files(kit: Path) -> list[Path]:
    """The raters' CSVs in a kit folder: answers*.csv, the template left out."""
    return sorted(p for p in kit.glob("answers*.csv") if p.name != "answers_template.csv")


def human_ratings(kit: Path) -> tuple[dict, dict[tuple[str, str, str], float], int]:
    """The kit's key, (item, system, criterion) -> mean BWS rating over raters, and the rater count."""
    key = load_key(kit)
    raters: list[RaterAnswers] = [read_answers(path, key) for path in answer_files(kit)]
    totals: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for rater in raters:
        for (item, criterion), best in rater.best.items():
            worst = rater.worst[(item, criterion)]
            for system in key["items"][item]["labels"].values():
                totals[(item, system, criterion)].append(1.0 if system == best else -1.0 if system == worst else 0.0)
    return key, {k: sum(v) / len(v) for k, v in totals.items()}, len(raters)
