"""Paired bootstrap over test samples: is system A's ROUGE really above system B's, and by how much?"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from cls_data.errors import ClsDataError
from cls_data.report.runs import RunSet
from cls_data.report.tables import DATASET_ORDER, default_system, order_key
from cls_data.rouge import METRICS
from cls_data.run_folder import RunRow, read_json_lines

DEFAULT_RESAMPLES = 1000
DEFAULT_PAIR = ("tflcls", "mbart-cls")  # the paper's claim: TFLCLS beats plain mBART fine-tuning


@dataclass(frozen=True)
class MetricTest:
    diff: float  # mean(A) - mean(B), x100
    low: float  # 95% percentile interval of the resampled difference, x100
    high: float
    p_value: float  # two-sided, from the same resamples: the smallest level whose percentile interval excludes 0


@dataclass
class Comparison:
    dataset: str
    train_size: int
    system_a: str
    system_b: str
    n_samples: int
    seeds_a: int
    seeds_b: int
    tests: dict[str, MetricTest]
    notes: list[str] = field(default_factory=list)


def paired_bootstrap(
    a: Sequence[Sequence[float]],
    b: Sequence[Sequence[float]],
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    names: Sequence[str] = METRICS,
) -> dict[str, MetricTest]:
    """Per-sample scores of A and B (rows = samples in the same order, columns = `names`, in [0, 1]).

    The test set is resampled with replacement `resamples` times with one numpy Generator seeded
    by `seed`, the same indices for every metric, so the three metrics see the same resamples.
    The interval and the p-value are one test read two ways (`percentile_test`): the 95% interval
    excludes 0 exactly when p < 0.05, where a row used to show an interval excluding 0 beside a
    p-value of 0.053 from a second, shifted-null test.
    """
    import numpy as np

    diffs = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if diffs.ndim != 2 or diffs.shape[0] == 0:
        raise ClsDataError("the bootstrap needs at least one test sample scored by both systems")
    n = diffs.shape[0]
    rng = np.random.default_rng(seed)
    means = np.empty((resamples, diffs.shape[1]))
    chunk = max(1, 2_000_000 // n)  # bounds the (chunk, n) index matrix to ~16 MB
    for start in range(0, resamples, chunk):
        stop = min(start + chunk, resamples)
        index = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = diffs[index].mean(axis=1)
    observed = diffs.mean(axis=0)
    results = {}
    for column, metric in enumerate(names):
        low, high, p_value = percentile_test(means[:, column])
        results[metric] = MetricTest(100 * float(observed[column]), 100 * low, 100 * high, p_value)
    return results


def percentile_test(resampled: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """(low, high, p) of resampled mean differences: the equal-tailed percentile interval at `level`, and the
    two-sided p-value of the same interval inverted, 2 x the share of resamples on the far side of 0.

    With B resamples sorted and k = ceil(B (1 - level) / 2), low is the k-th smallest and high the k-th
    largest; low > 0 exactly when fewer than B (1 - level) / 2 resamples are <= 0, which is p < 1 - level.
    p is 0 when no resample reaches 0 (`format_p` shows it as below 1/B) and at most 1. A tolerance keeps float noise
    from deciding ties (identical systems: every resample is 0, so p = 1).
    """
    import math

    import numpy as np

    values = np.sort(np.asarray(resampled, dtype=np.float64))
    b = len(values)
    k = max(1, math.ceil(b * (1 - level) / 2 - 1e-9))  # 1000 x 0.05 / 2 is 25.000000000000004 in floats
    at_most_zero = int(np.count_nonzero(values <= 1e-12))
    at_least_zero = int(np.count_nonzero(values >= -1e-12))
    p_value = min(1.0, 2 * min(at_most_zero, at_least_zero) / b)
    return float(values[k - 1]), float(values[b - k]), p_value


def per_sample_scores(runs: RunSet, rows: Iterable[RunRow]) -> tuple[dict[str, list[float]], int]:
    """id -> per-sample F1 (METRICS order) averaged over the given seeds' predictions.jsonl; and the seed count.

    Averaging over seeds first makes the test about the systems as trained (seed noise included in
    each sample's score) while keeping it paired by test sample."""
    rows = list(rows)
    key = tuple(row.run_dir for row in rows)
    if key not in runs.sample_scores:
        runs.sample_scores[key] = _read_sample_scores(runs, rows)
    return runs.sample_scores[key]


def _read_sample_scores(runs: RunSet, rows: list[RunRow]) -> tuple[dict[str, list[float]], int]:
    sums: dict[str, list[float]] = {}
    counts: dict[str, int] = defaultdict(int)
    used = 0
    for row in rows:
        path = runs.run_path(row) / "predictions.jsonl"
        if not path.exists():
            continue
        used += 1
        for line_no, data in read_json_lines(path):
            try:
                key, scores = str(data["id"]), [float(data[m]) for m in METRICS]
            except (KeyError, TypeError, ValueError):
                raise ClsDataError(f"{path}:{line_no}: needs id and per-sample {', '.join(METRICS)}") from None
            total = sums.setdefault(key, [0.0] * len(METRICS))
            for i, value in enumerate(scores):
                total[i] += value
            counts[key] += 1
    return {key: [v / counts[key] for v in total] for key, total in sums.items()}, used


def compare(
    runs: RunSet, rows_a: Sequence[RunRow], rows_b: Sequence[RunRow], resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> Comparison | None:
    """Bootstrap one pair of systems on one dataset and size; None when either side has no predictions."""
    scores_a, seeds_a = per_sample_scores(runs, rows_a)
    scores_b, seeds_b = per_sample_scores(runs, rows_b)
    if not scores_a or not scores_b:
        return None
    ids = sorted(scores_a.keys() & scores_b.keys())
    first = rows_a[0]
    notes = []
    unmatched = len(scores_a.keys() ^ scores_b.keys())
    if unmatched:
        notes.append(f"{unmatched} test id(s) scored by only one system were left out")
    if not ids:
        notes.append("no test id is shared by both systems")
        return Comparison(
            first.dataset, first.train_size, first.system, rows_b[0].system, 0, seeds_a, seeds_b, {}, notes
        )
    tests = paired_bootstrap([scores_a[i] for i in ids], [scores_b[i] for i in ids], resamples, seed)
    return Comparison(
        first.dataset, first.train_size, first.system, rows_b[0].system, len(ids), seeds_a, seeds_b, tests, notes
    )


def resolve_system(name: str, systems: Iterable[str]) -> str | None:
    """A user's system name: exact (`tflcls/hu`) or a bare variant, which means its Table-2 default."""
    systems = set(systems)
    if name in systems:
        return name
    if any(s.split("/")[0] == name for s in systems):
        return default_system(name, systems)
    return None


def run_comparisons(
    runs: RunSet,
    pairs: Sequence[tuple[str, str]] = (DEFAULT_PAIR,),
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Comparison], list[str]]:
    """Every requested pair on every (dataset, size) where both were run; and notes on pairs never found."""
    done = [row for row in runs.done() if row.in_domain]
    by_cell: dict[tuple[str, int], dict[str, list[RunRow]]] = defaultdict(lambda: defaultdict(list))
    for row in done:
        by_cell[(row.dataset, row.train_size)][row.system].append(row)
    jobs, notes = [], []
    for a, b in pairs:
        found = False
        for (_dataset, _size), systems in sorted(
            by_cell.items(), key=lambda c: (order_key(DATASET_ORDER, c[0][0]), c[0][1])
        ):
            system_a, system_b = resolve_system(a, systems), resolve_system(b, systems)
            if system_a and system_b and system_a != system_b:
                jobs.append((systems[system_a], systems[system_b]))
                found = True
        if not found:
            notes.append(f"pair {a} vs {b}: no dataset and train size has finished runs of both")
    results = []
    for i, (rows_a, rows_b) in enumerate(jobs, start=1):
        comparison = compare(runs, rows_a, rows_b, resamples, seed)
        if comparison is not None:
            results.append(comparison)
        else:
            notes.append(
                f"{rows_a[0].system} vs {rows_b[0].system} on {rows_a[0].dataset} n={rows_a[0].train_size}: "
                "no predictions.jsonl to resample"
            )
        if on_progress:
            on_progress(i, len(jobs))
    return results, notes


def parse_pair(text: str) -> tuple[str, str]:
    a, sep, b = text.partition(":")
    if not sep or not a.strip() or not b.strip():
        raise ClsDataError(f"--pair {text!r}: write it as A:B, e.g. tflcls:mbart-cls or tflcls/hu:tflcls/sum")
    return a.strip(), b.strip()


def significance_markdown(
    comparisons: Sequence[Comparison], resamples: int, seed: int, notes: Sequence[str] = ()
) -> str:
    lines = [
        "## Significance (paired bootstrap over test samples)",
        "",
        f"{resamples:,} resamples of the test set, seed {seed}; Δ = A − B in ROUGE F1 x100 with its 95% percentile "
        "interval; p two-sided, from the same resamples (the interval excludes 0 exactly when p < 0.05). "
        "Per-sample scores are averaged over each system's seeds first.",
        "",
    ]
    if comparisons:
        lines += [
            "| dataset | n | A | B | samples | Δ R-1 [95% CI] | p | Δ R-2 [95% CI] | p | Δ R-L [95% CI] | p |",
            "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
    for c in comparisons:
        cells = []
        for metric in METRICS:
            t = c.tests.get(metric)
            cells += (
                [f"{t.diff:+.2f} [{t.low:+.2f}, {t.high:+.2f}]", format_p(t.p_value, resamples)]
                if t
                else ["n/a", "n/a"]
            )
        lines.append(
            f"| {c.dataset} | {c.train_size:,} | {c.system_a} | {c.system_b} | {c.n_samples} | "
            + " | ".join(cells)
            + " |"
        )
    lines += [""] + [f"- {note}" for c in comparisons for note in c.notes] + [f"- {note}" for note in notes]
    return "\n".join(lines).rstrip() + "\n"


def format_p(p: float, resamples: int = DEFAULT_RESAMPLES) -> str:
    """p to 3 decimals; below what `resamples` can resolve (1/B), "<1/B"."""
    floor = max(0.001, 1 / resamples)
    return f"{p:.3f}" if p >= floor else f"<{floor:g}"
