"""Check each finished run folder before the report counts it: its predictions, test ids and scores must agree.

Per (run, evaluation dataset): metrics.json holds the test scores, the tokenizer and n_test; the predictions
file holds exactly n_test lines with distinct ids; those ids are the test ids the run was scored on (the
first n_test of the dataset's test split when the dataset folder named in config.json is here, n_test being
the whole split or the preset's cap, config.json's `max_test_samples`) and the same ids as every other
system of that dataset and train size; ROUGE recomputed from the prediction and reference texts with the
run's tokenizer equals the per-sample scores and metrics.json's test scores. A run that fails any check is
`Damage`: named with its file and reason, and kept out of every table (`cls-data report` stops unless
--allow-damaged). Everything is read through `cls_data.run_folder` and `cls_data.dataset_folder`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.errors import ClsDataError
from cls_data.report.runs import RunSet
from cls_data.rouge import METRICS as ROUGE_METRICS
from cls_data.rouge import score_texts
from cls_data.run_folder import CONFIG, METRICS, RunRow, predictions_path, read_json, read_json_lines

TEST_CAP = "max_test_samples"  # config.json: the test pairs the run's preset scores (null: the whole split)
# Scores are written as floats and read back exactly; the slack only absorbs a rounding writer. 5e-5 is 0.005 on
# the report's x100 scale: anything the tables could show differently is a mismatch.
TOLERANCE = 5e-5


@dataclass(frozen=True)
class Damage:
    """One damaged run: the file at fault and why, in words."""

    run_dir: str  # relative to RUNS
    file: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


@dataclass
class Verified:
    """The rows the report may count, and the damaged runs it must leave out."""

    rows: list[RunRow]
    damaged: list[Damage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def damaged_dirs(self) -> set[str]:
        return {damage.run_dir for damage in self.damaged}


@dataclass
class _Scored:
    """What one predictions file says, once read: its ids in order and the texts and scores of each line."""

    row: RunRow
    path: Path
    ids: list[str] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)  # (prediction, reference)
    scores: list[list[float]] = field(default_factory=list)  # ROUGE_METRICS order
    recomputed: list[list[float]] = field(default_factory=list)  # the same, from the texts


def verify_rows(root: Path, rows: Sequence[RunRow]) -> Verified:
    """Every finished row with a run folder is checked; a damaged run's rows (every evaluation dataset) are left out."""
    damaged: list[Damage] = []
    read: list[_Scored] = []
    splits = _TestSplits()
    for row in rows:
        if row.status != "done" or not row.run_dir or not (root / row.run_dir).is_dir():
            continue  # failed runs are not counted; rows of results.json without a folder carry their own note
        scored, problem = _check_file(root, row, splits)
        if problem:
            damaged.append(problem)
        elif scored is not None:
            read.append(scored)
    damaged += _rescore(read)
    read = [scored for scored in read if scored.row.run_dir not in {d.run_dir for d in damaged}]
    damaged += _check_same_ids(read, {d.run_dir for d in damaged})
    bad = {d.run_dir for d in damaged}
    kept = [row for row in rows if row.run_dir not in bad]
    return Verified(kept, sorted(damaged, key=lambda d: (d.run_dir, str(d.file))), splits.notes)


def _check_file(root: Path, row: RunRow, splits: _TestSplits) -> tuple[_Scored | None, Damage | None]:
    folder = root / (row.run_dir or "")
    path = predictions_path(folder, None if row.in_domain else row.eval_dataset)

    def damage(file: Path, reason: str) -> tuple[None, Damage]:
        return None, Damage(row.run_dir or "", file, reason)

    where = "test" if row.in_domain else f"eval_on.{row.eval_dataset}"
    if any(row.score(metric) is None for metric in ROUGE_METRICS):
        return damage(folder / METRICS, f"no {where} scores ({', '.join(ROUGE_METRICS)}): counted as nothing")
    if not row.tokenizer:
        return damage(folder / METRICS, f"no tokenizer for its {where} scores, so they cannot be checked")
    if not isinstance(row.n_test, int) or row.n_test < 1:
        return damage(folder / METRICS, f"no n_test for its {where} scores")
    if not path.is_file():
        return damage(path, "missing")
    try:
        scored = _read(row, path)
    except ClsDataError as exc:
        where_in = str(exc).removeprefix(f"{path}:")  # read_json_lines names the file; the damage names it once
        return damage(path, f"line {where_in}" if where_in[:1].isdigit() else where_in)
    reason = _check_count(scored, row) or _check_split(scored, row, folder, splits)
    return damage(path, reason) if reason else (scored, None)


def _rescore(read: list[_Scored]) -> list[Damage]:
    """Every file's texts rescored, one `score_texts` call per tokenizer (a call of 20,000 pairs or more spreads
    over the cores); then each file's per-sample scores and metrics.json's scores are compared with them."""
    damaged = []
    by_tokenizer: dict[str, list[_Scored]] = defaultdict(list)
    for scored in read:
        by_tokenizer[scored.row.tokenizer or ""].append(scored)
    for tokenizer, group in by_tokenizer.items():
        try:
            texts = [pair for scored in group for pair in scored.texts]
            pairs = score_texts([p for p, _ in texts], [r for _, r in texts], tokenizer)
        except (ClsDataError, KeyError, ValueError) as exc:
            damaged += [
                Damage(s.row.run_dir or "", s.path, f"cannot rescore with tokenizer {tokenizer!r} ({exc})")
                for s in group
            ]
            continue
        start = 0
        for scored in group:
            scored.recomputed = [
                [getattr(pair, m).fmeasure for m in ROUGE_METRICS] for pair in pairs[start : start + len(scored.texts)]
            ]
            start += len(scored.texts)
            folder = scored.path.parent
            reason = _check_samples(scored, scored.row)
            file = scored.path
            if not reason:
                reason, file = _check_corpus(scored, scored.row), folder / METRICS
            if reason:
                damaged.append(Damage(scored.row.run_dir or "", file, reason))
    return damaged


def _read(row: RunRow, path: Path) -> _Scored:
    scored = _Scored(row, path)
    first_line: dict[str, int] = {}
    for line_no, data in read_json_lines(path):
        try:
            sample_id = str(data["id"])
            texts = (str(data["prediction"] or ""), str(data["reference"] or ""))
            values = [float(data[metric]) for metric in ROUGE_METRICS]
        except (KeyError, TypeError, ValueError):
            needs = f"id, prediction, reference and {', '.join(ROUGE_METRICS)}"
            raise ClsDataError(f"line {line_no}: needs {needs}") from None
        if sample_id in first_line:
            raise ClsDataError(f"line {line_no}: test id {sample_id!r} again (first on line {first_line[sample_id]})")
        first_line[sample_id] = line_no
        scored.ids.append(sample_id)
        scored.texts.append(texts)
        scored.scores.append(values)
    return scored


def _check_count(scored: _Scored, row: RunRow) -> str | None:
    if not scored.ids:
        return f"empty, but metrics.json scored {row.n_test} test samples"
    if len(scored.ids) != row.n_test:
        return f"{len(scored.ids)} predictions, but metrics.json scored n_test = {row.n_test}"
    return None


def _check_split(scored: _Scored, row: RunRow, folder: Path, splits: _TestSplits) -> str | None:
    """The ids are the first n_test of the test split the run names (only where that dataset folder is here)."""
    if not row.in_domain:
        return None
    split = splits.ids(folder)
    if split is None:
        return None
    config = splits.config(folder)
    if TEST_CAP in config:  # what the run's preset scored (config.json of this engine's runs): the split or its cap
        cap = config[TEST_CAP]
        expected = len(split) if not isinstance(cap, int) else min(cap, len(split))
        if row.n_test != expected:
            return (
                f"metrics.json scored n_test = {row.n_test}, but its preset scores {expected} of the test split's "
                f"{len(split)} pairs (config.json {TEST_CAP} {cap})"
            )
    if row.n_test > len(split):
        return f"metrics.json scored n_test = {row.n_test}, but the test split has only {len(split)} pairs"
    return _difference(set(scored.ids), set(split[: row.n_test]), f"the first {row.n_test} ids of the test split")


def _difference(found: set[str], expected: set[str], what: str) -> str | None:
    missing, extra = sorted(expected - found), sorted(found - expected)
    if not missing and not extra:
        return None
    parts = [f"{len(missing)} of {what} missing (first: {missing[0]!r})"] if missing else []
    parts += [f"{len(extra)} id(s) not among them (first: {extra[0]!r})"] if extra else []
    return "; ".join(parts)


def _check_samples(scored: _Scored, row: RunRow) -> str | None:
    """Per-sample ROUGE as written against `recomputed` from the texts; the first line that disagrees is named."""
    wrong = [
        (i, j)
        for i, (got, want) in enumerate(zip(scored.scores, scored.recomputed, strict=True))
        for j in range(len(ROUGE_METRICS))
        if not abs(got[j] - want[j]) <= TOLERANCE
    ]  # NaN fails too
    if not wrong:
        return None
    i, j = wrong[0]
    lines = len({i for i, _ in wrong})
    written, recomputed = scored.scores[i][j], scored.recomputed[i][j]
    return (
        f"{lines} line(s) whose per-sample scores differ from their texts rescored with tokenizer {row.tokenizer} "
        f"(id {scored.ids[i]!r}: {ROUGE_METRICS[j]} {written:.4f} written, {recomputed:.4f} recomputed)"
    )


def _check_corpus(scored: _Scored, row: RunRow) -> str | None:
    """metrics.json's scores are the mean of the per-sample scores (already checked against the texts)."""
    n = len(scored.scores)
    for j, metric in enumerate(ROUGE_METRICS):
        mean = sum(values[j] for values in scored.scores) / n
        written = row.score(metric) or 0.0
        if not abs(mean - written) <= TOLERANCE:  # a NaN in metrics.json fails too
            where = "test" if row.in_domain else f"eval_on.{row.eval_dataset}"
            return (
                f"{where} {metric} {100 * written:.2f}, but its {n} predictions score {100 * mean:.2f} "
                f"({scored.path.name})"
            )
    return None


def _check_same_ids(read: list[_Scored], already: set[str]) -> list[Damage]:
    """Systems compared with each other (one dataset, evaluation dataset and train size) scored the same ids."""
    groups: dict[tuple, list[_Scored]] = defaultdict(list)
    for scored in read:
        if scored.row.run_dir not in already:
            groups[(scored.row.dataset, scored.row.eval_dataset, scored.row.train_size)].append(scored)
    damaged = []
    for (dataset, eval_dataset, size), members in groups.items():
        sets = Counter(frozenset(scored.ids) for scored in members)
        if len(sets) < 2:
            continue
        ((common, count),) = sets.most_common(1)
        majority = common if count > len(members) / 2 else None  # without a majority no set is the right one
        for scored in members:
            ids = frozenset(scored.ids)
            if ids == majority:
                continue
            against = f"the ids of the other systems on {eval_dataset} (trained on {dataset} n={size:,})"
            reason = (
                _difference(set(ids), set(majority), against)
                if majority is not None
                else f"the systems on {eval_dataset} (trained on {dataset} n={size:,}) scored different test ids "
                f"and no set is shared by most of them"
            )
            damaged.append(Damage(scored.row.run_dir or "", scored.path, reason or "different test ids"))
    return damaged


class _TestSplits:
    """The test ids of each dataset folder a run's config.json names, read once; None where the folder is not here."""

    def __init__(self) -> None:
        self.cache: dict[str, list[str] | None] = {}
        self.notes: list[str] = []

    @staticmethod
    def config(run: Path) -> dict:
        try:
            config = read_json(run / CONFIG)
        except ClsDataError:
            return {}
        return config if isinstance(config, dict) else {}

    def ids(self, run: Path) -> list[str] | None:
        dataset_path = str(self.config(run).get("dataset_path") or "")
        if dataset_path not in self.cache:
            self.cache[dataset_path] = self._read(Path(dataset_path)) if dataset_path else None
            if self.cache[dataset_path] is None and dataset_path:
                self.notes.append(
                    f"dataset {dataset_path} is not here: its runs' test ids were checked against each "
                    "other only, not against the test split"
                )
        return self.cache[dataset_path]

    @staticmethod
    def _read(folder: Path) -> list[str] | None:
        from cls_data.dataset_folder import read_split

        if not folder.is_dir():
            return None
        try:
            table = read_split(folder, "test", columns=["id"])
        except Exception:  # a damaged dataset is the dataset's problem (cls-data benchmark names it), not the run's
            return None
        return None if table is None else [str(value) for value in table.column("id").to_pylist()]


class DamagedRuns(ClsDataError):
    """Damaged run folders and no --allow-damaged: the report is not written (its tables would mislead)."""

    exit_code = 1


def check_runs(runs: RunSet, allow_damaged: bool = False) -> list[Damage]:
    """Verify the RunSet in place: damaged runs leave `runs.rows` (and every table); without `allow_damaged`
    a damaged run stops the report with one line per run naming its file and reason."""
    verified = verify_rows(runs.root, runs.rows)
    runs.notes.extend(verified.notes)
    if verified.damaged and not allow_damaged:
        lines = "\n".join(f"  {damage}" for damage in verified.damaged)
        raise DamagedRuns(
            f"{len(verified.damaged)} damaged run folder(s) under {runs.root}; the report counts none "
            "of them (fix or delete them, or pass --allow-damaged to write the report without them):\n" + lines
        )
    runs.rows = verified.rows
    runs.sample_scores.clear()
    return verified.damaged


def damaged_mark(damaged: Sequence[Damage]) -> str:
    """The warning above the tables of a report written with --allow-damaged."""
    if not damaged:
        return ""
    return (
        f"\n> **Incomplete: {len(damaged)} damaged run(s) left out of every table** (--allow-damaged); "
        'see "Damaged runs" below.\n'
    )


def damaged_markdown(damaged: Sequence[Damage]) -> str:
    lines = ["## Damaged runs (left out)", "", "| run | file | reason |", "|---|---|---|"]
    lines += [f"| `{d.run_dir}` | `{d.file.name}` | {d.reason.replace('|', '/')} |" for d in damaged]
    return "\n".join(lines) + "\n"
