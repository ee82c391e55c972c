"""Score Best-Worst Scaling answers against a kit's key: % best - % worst per system and criterion, and
how much the raters agree (Fleiss' kappa on the chosen system, and raw pairwise agreement)."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.errors import ClsDataError
from cls_data.report.human_eval import KEY_FILE

Judgement = tuple[str, str]  # (item, criterion)


@dataclass
class RaterAnswers:
    rater: str
    best: dict[Judgement, str]  # -> system (letters resolved through the key)
    worst: dict[Judgement, str]
    skipped: int = 0


@dataclass
class BwsResult:
    systems: list[str]
    criteria: list[str]
    scores: dict[tuple[str, str], float]  # (system, criterion) -> (best - worst) / times judged, in [-1, 1]
    counts: dict[tuple[str, str], tuple[int, int, int]]  # -> (best, worst, judged)
    agreement: dict[str, dict[str, float | None]]  # criterion -> best_kappa, worst_kappa, pairwise, items
    raters: list[str]
    notes: list[str] = field(default_factory=list)


def load_key(kit: Path) -> dict:
    path = kit / KEY_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClsDataError(
            f"{path}: no key file; give the folder written by `cls-data report human-eval export`"
        ) from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ClsDataError(f"{path}: unreadable key ({exc})") from None


def read_answers(path: Path, key: dict) -> RaterAnswers:
    """One rater's CSV; anything malformed stops with `file:line: reason`."""
    items, criteria = key["items"], set(key["criteria"])
    best: dict[Judgement, str] = {}
    worst: dict[Judgement, str] = {}
    skipped = 0
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ClsDataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = [cell.strip().lower() for cell in next(reader, [])]
            missing = [c for c in ("item", "criterion", "best", "worst") if c not in header]
            if missing:
                raise ClsDataError(
                    f"{path}:1: header lacks column(s) {', '.join(missing)} (expected item,criterion,best,worst)"
                )
            column = {name: header.index(name) for name in ("item", "criterion", "best", "worst")}
            for cells in reader:
                where = f"{path}:{reader.line_num}"
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) < len(header):
                    raise ClsDataError(f"{where}: {len(cells)} field(s), expected {len(header)}")
                item, criterion, b, w = (cells[column[c]].strip() for c in ("item", "criterion", "best", "worst"))
                b, w = b.upper(), w.upper()
                if item.isdigit():
                    item = f"{int(item):03d}"  # spreadsheets turn 001 into 1
                if item not in items:
                    raise ClsDataError(f"{where}: unknown item {item!r}")
                if criterion.lower() not in criteria:
                    raise ClsDataError(
                        f"{where}: unknown criterion {criterion!r} (one of {', '.join(key['criteria'])})"
                    )
                criterion = criterion.lower()
                if not b and not w:
                    skipped += 1
                    continue
                labels = items[item]["labels"]
                for name, value in (("best", b), ("worst", w)):
                    if value not in labels:
                        shown = ", ".join(sorted(labels))
                        raise ClsDataError(f"{where}: {name} {value or '(empty)'!r} is not one of the letters {shown}")
                if b == w:
                    raise ClsDataError(f"{where}: best and worst are both {b}; pick two different summaries")
                if (item, criterion) in best:
                    raise ClsDataError(f"{where}: item {item} {criterion} answered twice")
                best[(item, criterion)], worst[(item, criterion)] = labels[b], labels[w]
        except csv.Error as exc:
            raise ClsDataError(f"{path}:{reader.line_num}: not valid CSV ({exc})") from None
        except UnicodeDecodeError as exc:
            raise ClsDataError(f"{path}:{reader.line_num + 1}: not UTF-8 ({exc.reason})") from None
    return RaterAnswers(path.stem, best, worst, skipped)


def fleiss_kappa(ratings: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' kappa for items each rated by the same number (>= 2) of raters; None when undefined."""
    if not ratings or len(ratings[0]) < 2:
        return None
    n = len(ratings[0])
    totals: Counter[str] = Counter()
    agreement = 0.0
    for item in ratings:
        counts = Counter(item)
        totals.update(counts)
        agreement += (sum(c * c for c in counts.values()) - n) / (n * (n - 1))
    observed = agreement / len(ratings)
    expected = sum((c / (n * len(ratings))) ** 2 for c in totals.values())
    if expected >= 1.0:
        return None  # every rater always chose the same system: chance agreement is total
    return (observed - expected) / (1 - expected)


def pairwise_agreement(ratings: Sequence[Sequence[str]]) -> float | None:
    pairs = agree = 0
    for item in ratings:
        for i in range(len(item)):
            for j in range(i + 1, len(item)):
                pairs += 1
                agree += item[i] == item[j]
    return agree / pairs if pairs else None


def score_answers(kit: Path, answer_files: Sequence[Path]) -> BwsResult:
    if not answer_files:
        raise ClsDataError("give at least one answers CSV (one file per rater)")
    key = load_key(kit)
    raters = [read_answers(Path(path), key) for path in answer_files]
    if not any(rater.best for rater in raters):
        raise ClsDataError(
            f"no answered judgement in {', '.join(str(p) for p in answer_files)}: fill the best and worst columns"
        )
    systems, criteria = list(key["systems"]), list(key["criteria"])
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for rater in raters:
        for (item, criterion), chosen in rater.best.items():
            for system in key["items"][item]["labels"].values():
                tally[(system, criterion)][2] += 1
            tally[(chosen, criterion)][0] += 1
            tally[(rater.worst[(item, criterion)], criterion)][1] += 1
    counts = {(s, c): tuple(tally[(s, c)]) for s in systems for c in criteria}
    scores = {k: (b - w) / judged if judged else 0.0 for k, (b, w, judged) in counts.items()}
    agreement = {}
    for criterion in criteria:
        judged = [(item, criterion) for item in key["items"] if all((item, criterion) in r.best for r in raters)]
        best = [[r.best[j] for r in raters] for j in judged]
        worst = [[r.worst[j] for r in raters] for j in judged]
        agreement[criterion] = {
            "best_kappa": fleiss_kappa(best),
            "worst_kappa": fleiss_kappa(worst),
            "pairwise": pairwise_agreement(best + worst),
            "items": len(judged),
        }
    notes = []
    expected = len(key["items"]) * len(criteria)
    for rater in raters:
        if len(rater.best) < expected:
            notes.append(f"{rater.rater}: {len(rater.best)} of {expected} judgements answered")
    if len(raters) < 2:
        notes.append("one rater: agreement needs at least two")
    return BwsResult(systems, criteria, scores, counts, agreement, [r.rater for r in raters], notes)
