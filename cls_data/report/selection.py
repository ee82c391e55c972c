""" "Which model should I train?": one system per model chosen on validation ROUGE-2, then tested on the test set.

The test set plays no part in the choice (the paper chose r on validation too), so the paired bootstrap
of the chosen system against the runner-up is not made optimistic by having picked the winner on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from cls_data.report.cost import system_cost
from cls_data.report.runs import DEFAULT_R, RunSet
from cls_data.report.significance import Comparison, compare, format_p
from cls_data.report.tables import DATASET_ORDER, default_system, order_key
from cls_data.run_folder import RunRow

ABLATIONS = ("tflcls-no-tra", "tflcls-no-mul")  # studies of TFLCLS's parts, not models anyone would train instead
HOW = (
    "Chosen on validation: one system per model (the TFLCLS ablations left out; each model at its default "
    "loss weighting, and TFLCLS's r, where several were run, by validation ROUGE-2), ranked by the mean over "
    "seeds of the best epoch's validation ROUGE-2 (metrics.json; the `fast` preset validates on a fixed 500-pair "
    "subset). Only then are the test scores read: the chosen system against the runner-up on validation, paired "
    "bootstrap over test samples (R-2 difference x100 with its 95% interval). The test set took no part in the "
    "choice, so the p-value is not made optimistic by it. Cost: H100-hours per seed as `cls-data benchmark --plan` "
    "prices the run (its preset's rates, a shared stage-1 run included), the same whatever machine ran it; then the "
    "wall time the runs measured (training, stage 1 included, plus test decoding), which depends on that machine "
    "and its load, shown with them."
)


def _r(rows: Sequence[RunRow]) -> str:
    return "unset" if rows[0].r is None else f"{rows[0].r:g}"


def _mean(rows: Sequence[RunRow], attribute: str) -> float | None:
    values = [getattr(row, attribute) for row in rows]
    return None if not values or any(v is None for v in values) else sum(values) / len(values)


@dataclass
class Choice:
    """One (dataset, size): the candidates, what they were ranked on, the choice and the runner-up."""

    dataset: str
    train_size: int
    candidates: dict[str, list[RunRow]]
    basis: str  # "validation" | "test" (when a candidate has no validation score)
    ranked: list[str]
    notes: list[str] = field(default_factory=list)
    verdict: str | None = None  # set by `recommendations`: the chosen system against the runner-up on test

    def val(self, system: str) -> float | None:
        return _mean(self.candidates[system], "val_rouge2")

    def test(self, system: str) -> float | None:
        return _mean(self.candidates[system], "rouge2")


def candidates(systems: dict[str, list[RunRow]]) -> tuple[dict[str, list[RunRow]], list[str]]:
    """One system per variant (not the ablations): its default weighting; among several r, the best on validation."""
    chosen, notes = {}, []
    for variant in sorted({rows[0].variant for rows in systems.values()}):
        if variant in ABLATIONS:
            continue
        mine = [s for s in systems if systems[s][0].variant == variant]
        weighting = systems[default_system(variant, mine)][0].weighting
        pool = [s for s in mine if systems[s][0].weighting == weighting]
        if len(pool) > 1:
            vals = {s: _mean(systems[s], "val_rouge2") for s in pool}
            if all(v is not None for v in vals.values()):
                best = max(pool, key=lambda s: (vals[s], -abs((systems[s][0].r or DEFAULT_R) - DEFAULT_R)))
                notes.append(
                    f"{variant}: r = {_r(systems[best])} chosen on validation among "
                    + ", ".join(_r(systems[s]) for s in sorted(pool, key=lambda s: systems[s][0].r or 0.0))
                    + _table2_r(variant, best, pool, systems)
                )
            else:
                best = default_system(variant, pool)
                notes.append(
                    f"{variant}: no validation score for every r, so the paper's r = {DEFAULT_R:g} (or the nearest "
                    "run) stands"
                )
            pool = [best]
        chosen[pool[0]] = systems[pool[0]]
    return chosen, notes


def _table2_r(variant: str, best: str, pool: list[str], systems: dict[str, list[RunRow]]) -> str:
    """Why Table 2 shows another r than the one chosen here, when it does."""
    shown = default_system(variant, pool)
    if shown == best:
        return "; Table 2 shows the same r"
    return (
        f"; Table 2 shows r = {_r(systems[shown])}, the paper's default, so that its rows compare with the "
        "paper's (every r: the Figure 5 table)"
    )


def choose(dataset: str, size: int, systems: dict[str, list[RunRow]]) -> Choice:
    pool, notes = candidates(systems)
    missing = sorted(s for s in pool if _mean(pool[s], "val_rouge2") is None)
    basis = "validation" if not missing else "test"
    if missing:
        notes.append(
            f"no validation score recorded for {', '.join(missing)}: ranked on TEST R-2 instead, "
            "so the p-value is optimistic"
        )
    key = "val_rouge2" if basis == "validation" else "rouge2"
    ranked = sorted(pool, key=lambda s: (-(_mean(pool[s], key) or 0.0), s))
    return Choice(dataset, size, pool, basis, ranked, notes)


def choices(runs: RunSet) -> list[Choice]:
    by_cell: dict[tuple[str, int], dict[str, list[RunRow]]] = defaultdict(lambda: defaultdict(list))
    for row in runs.done():
        if row.in_domain:
            by_cell[(row.dataset, row.train_size)][row.system].append(row)
    ordered = sorted(by_cell.items(), key=lambda c: (order_key(DATASET_ORDER, c[0][0]), c[0][1]))
    return [choose(dataset, size, dict(systems)) for (dataset, size), systems in ordered]


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}"


def recommendations(
    runs: RunSet, resamples: int, seed: int, made: list[Choice] | None = None
) -> tuple[list[str], list[str]]:
    """The Markdown section and one plain line per (dataset, size) for the CLI. The choices (`made`, default
    `choices(runs)`) get their `verdict` set, for the report's results.json."""
    table, plain, notes = [], [], []
    for choice in made if made is not None else choices(runs):
        where = f"| {choice.dataset} | {choice.train_size:,} |"
        notes += [f"{choice.dataset} n={choice.train_size:,}: {note}" for note in choice.notes]
        if not choice.ranked:
            continue
        best = choice.ranked[0]
        chosen = f"**{best}** ({_score(choice.val(best))})"
        cost = {s: system_cost(runs, choice.candidates[s]) for s in choice.ranked[:2]}
        if len(choice.ranked) < 2:
            table.append(
                f"{where} {choice.basis} | {chosen} | {_score(choice.test(best))} | {cost[best]} | (no other model) "
                "| | |"
            )
            choice.verdict = "no other model to compare with"
            continue
        second = choice.ranked[1]
        result: Comparison | None = compare(runs, choice.candidates[best], choice.candidates[second], resamples, seed)
        test = result.tests.get("rouge2") if result else None
        if test is None:
            interval, verdict = "n/a", "no per-sample predictions to test"
        else:
            interval = f"{test.diff:+.2f} [{test.low:+.2f}, {test.high:+.2f}], p {format_p(test.p_value, resamples)}"
            verdict = (
                "**clearly better** on test (p < 0.05)"
                if test.p_value < 0.05 and test.diff > 0
                else "**clearly worse** on test (p < 0.05)"
                if test.p_value < 0.05
                else "not distinguishable from the runner-up on test"
            )
        table.append(
            f"{where} {choice.basis} | {chosen} | {_score(choice.test(best))} | {cost[best]} | {second} "
            f"({_score(choice.val(second))}; test {_score(choice.test(second))}; {cost[second]}) | {interval} | "
            f"{verdict} |"
        )
        plain.append(
            f"{choice.dataset} n={choice.train_size}: {best} (chosen on {choice.basis}; test R-2 "
            f"{_score(choice.test(best))}; {cost[best]}) vs {second} ({cost[second]}): " + verdict.replace("**", "")
        )
        choice.verdict = f"chosen on {choice.basis}; vs {second}: " + verdict.replace("**", "")
    section = [
        "## Which model should I train?",
        "",
        HOW,
        "",
        "| dataset | train size | chosen on | chosen (validation R-2) | its test R-2 | cost | runner-up (validation "
        "R-2; test R-2; cost) | Δ test R-2 [95% CI], p | verdict |",
        "|---|---:|---|---|---:|---:|---|---|---|",
        *table,
        "",
    ]
    section += [f"- {note}" for note in notes] + ([""] if notes else [])
    return section, plain
