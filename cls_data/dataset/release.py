"""`cls-data build vi2zh --release DIR`: the paper's released Vi2ZhLow CSVs as a dataset folder, split as released.

The paper's repository (docs/paper-fidelity.md, "The paper's data") holds, per split (`train`, `val`,
`test`), `<split>_vi2zh_cls_dataset.csv` (documents -> Chinese summaries), `<split>_vi2zh_tra_dataset.csv`
(Vietnamese -> Chinese summaries, the same rows in the same order) and, in some copies,
`<split>_vi2vizh_sum_dataset.csv` (documents -> both summaries joined by "O.o"), each with the columns
`src` and `tgt`. The folder keeps the paper's splits in file order, `train_1000` / `train_3000` as the
first rows of train (the code's `select(range(n))`), every test row, and every row the paper kept:
rows it should not have kept (a summary not in its language, a summary or document repeated) are
flagged in the `flags` column (reasons joined by " | ") and counted in the card; `--clean` drops them
(one copy of a repeat stays, in test, else validation, else train).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cls_data import __version__
from cls_data.dataset_folder import BUILD_INFO, CARD, IDS, STATS, file_sha256, write_split
from cls_data.errors import ClsDataError
from cls_data.text import language_name, language_problem, nfc

DATASET, SRC, TGT = "Vi2ZhLow", "vi", "zh"
SPLITS = (("train", "train"), ("validation", "val"), ("test", "test"))  # (our split, the release's file prefix)
FILES = {"cls": "{}_vi2zh_cls_dataset.csv", "tra": "{}_vi2zh_tra_dataset.csv", "sum": "{}_vi2vizh_sum_dataset.csv"}
TWO_TARGETS = "O.o"  # the two-target file's separator of the two summaries
SUBSETS = (1000, 3000)  # the paper's smaller training sizes: the first rows of train
FLAGS = "flags"
COLUMNS = ["id", "text", "summary", "cls_summary", FLAGS]
KEEP_ORDER = ("test", "validation", "train")  # --clean keeps the evaluation copy of a repeat
REPEATED = {"summary": "Vietnamese summary repeated", "text": "document repeated"}


@dataclass
class ReleaseConfig:
    release: Path  # the folder holding the CSVs (the repository's mbart_base/src/dataset/vi2zh/)
    out: Path
    clean: bool = False
    commit: str | None = None  # the release's git commit, for the card, when the user knows it
    command: str = ""


@dataclass
class ReleaseResult:
    folder: Path
    split_rows: dict[str, int]
    flagged: Counter  # rows per flag reason (a row may carry several)
    flagged_rows: int
    dropped: int  # rows left out by --clean
    two_target: bool  # the `_vi2vizh_sum_` files were there and agree with the others
    notes: list[str] = field(default_factory=list)


def check_release_args(kind: str, inputs: list[Path], release: Path | None, push_to_hub: str | None) -> None:
    """`--release` builds vi2zh from the release's folder alone; one line for a combination that cannot be meant."""
    if release is None:
        raise ClsDataError("--clean and --release-commit go with --release DIR (the paper's released CSVs)")
    if kind != "vi2zh":
        raise ClsDataError(
            f"--release reads the paper's Vi2ZhLow CSVs: use `cls-data build vi2zh --release DIR`, not {kind}"
        )
    if inputs:
        raise ClsDataError(f"--release reads its CSVs from {release}; give no input files ({inputs[0]} ...) with it")
    if push_to_hub:
        raise ClsDataError(
            "--release folders are not pushed by `build` (the release's terms are the authors'); "
            "use `cls-data publish` if you may share it"
        )


def read_csv(path: Path) -> list[tuple[str, str]]:
    """(src, tgt) of every row; one clear line for a missing file, a missing column or a short row."""
    if not path.is_file():
        raise ClsDataError(
            f"{path}: no such file; --release needs the paper's {path.name} (the repository's "
            "mbart_base/src/dataset/vi2zh/ holds the release; the large files may need `git lfs pull`)"
        )
    csv.field_size_limit(sys.maxsize)  # documents are long fields
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as handle:  # -sig: a BOM would hide the first column's name
        reader = csv.DictReader(handle)
        missing = [name for name in ("src", "tgt") if name not in (reader.fieldnames or [])]
        if missing:
            header = ", ".join(reader.fieldnames or []) or "none"
            raise ClsDataError(
                f"{path}: no column {missing[0]!r} (its header: {header}); the release's files have the columns src,tgt"
            )
        for row in reader:
            if row["src"] is None or row["tgt"] is None:
                raise ClsDataError(f"{path}:{reader.line_num}: the row has fewer fields than the header (src,tgt)")
            rows.append((row["src"], row["tgt"]))
    return rows


def _two_targets(path: Path, rows: list[dict]) -> list[str]:
    """Check the two-target file against the others (same rows, the same two summaries); notes on its layout."""
    pairs = read_csv(path)
    if len(pairs) != len(rows):
        raise ClsDataError(f"{path}: {len(pairs):,} rows, but the cls and tra files of its split have {len(rows):,}")
    orders = Counter()
    for number, ((src, tgt), row) in enumerate(zip(pairs, rows, strict=True), start=1):
        parts = [part.strip() for part in tgt.split(TWO_TARGETS)]
        summaries = {row["summary"].strip(), row["cls_summary"].strip()}
        if src != row["text"] or len(parts) != 2 or set(parts) != summaries:
            raise ClsDataError(
                f"{path}: row {number}: not the document and its two summaries joined by "
                f"{TWO_TARGETS!r} "
                "of the same row of the cls and tra files; are they from the same release?"
            )
        orders["zh first" if parts[0] == row["cls_summary"].strip() else "vi first"] += 1
    return [f"{path.name}: {', '.join(f'{n:,} rows {order}' for order, n in orders.items())}"]


def read_release(folder: Path) -> tuple[dict[str, list[dict]], bool, list[str], list[Path]]:
    """({split: rows in file order}, whether the two-target files are there, notes, the files read)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ClsDataError(f"--release {folder}: no such folder")
    sum_files = [folder / FILES["sum"].format(prefix) for _, prefix in SPLITS]
    present = [path.is_file() for path in sum_files]
    if any(present) and not all(present):
        raise ClsDataError(
            f"{sum_files[present.index(False)]}: no such file, but the other two-target files are "
            "there; "
            "give all three or none"
        )
    splits, notes, files = {}, [], []
    for split, prefix in SPLITS:
        cls_path, tra_path = folder / FILES["cls"].format(prefix), folder / FILES["tra"].format(prefix)
        documents, summaries = read_csv(cls_path), read_csv(tra_path)
        files += [cls_path, tra_path]
        if len(documents) != len(summaries):
            raise ClsDataError(
                f"{cls_path} has {len(documents):,} rows but {tra_path} has {len(summaries):,}; "
                "they must be the same rows in the same order"
            )
        rows = []
        for number, ((text, zh), (summary, zh_again)) in enumerate(zip(documents, summaries, strict=True), start=1):
            if zh.strip() != zh_again.strip():
                raise ClsDataError(
                    f"{cls_path} and {tra_path}: row {number} has another Chinese summary in each "
                    f"({zh[:30]!r} / {zh_again[:30]!r}); are they from the same release?"
                )
            rows.append({"id": f"tflcls-{prefix}-{number:05d}", "text": text, "summary": summary, "cls_summary": zh})
        if all(present):
            notes += _two_targets(folder / FILES["sum"].format(prefix), rows)
            files.append(folder / FILES["sum"].format(prefix))
        splits[split] = rows
    return splits, all(present), notes, files


def _key(text: str) -> str:
    return " ".join(nfc(text).replace("\u200b", "").split()).casefold()


def flag_rows(splits: dict[str, list[dict]]) -> tuple[set[str], Counter]:
    """Set each row's `flags` (a summary not in its language; a summary or document also in another row, the copy
    `--clean` keeps marked `kept`), flags joined by " | "; returns (the ids `--clean` drops, rows per reason)."""
    seen: dict[tuple[str, str], list[dict]] = {}
    drop: set[str] = set()
    flags: dict[str, list[str]] = {}
    for split in KEEP_ORDER:
        for row in splits[split]:
            flags[row["id"]] = []
            for column, lang in (("summary", SRC), ("cls_summary", TGT)):
                if language_problem(row[column], lang):
                    flags[row["id"]].append(f"{language_name(lang)} summary not in {language_name(lang)}")
                    drop.add(row["id"])
            for column in REPEATED:
                seen.setdefault((column, _key(row[column])), []).append(row)
    for (column, _), rows in seen.items():
        if len(rows) > 1:
            others = ", ".join(row["id"] for row in rows)
            for position, row in enumerate(rows):
                kept = "" if position else "; this copy kept by --clean"
                flags[row["id"]].append(f"{REPEATED[column]} ({others}{kept})")
                if position:
                    drop.add(row["id"])
    for rows in splits.values():
        for row in rows:
            row[FLAGS] = " | ".join(flags[row["id"]])
    reasons = Counter(flag.split(" (")[0] for row_flags in flags.values() for flag in row_flags)
    return drop, reasons


def build_release(config: ReleaseConfig, on_progress: Callable[[str], None] | None = None) -> ReleaseResult:
    """Write `config.out/Vi2ZhLow/` from the release's CSVs; raises ClsDataError (writing nothing) on bad input."""
    progress = on_progress or (lambda message: None)
    target = config.out / DATASET
    if target.exists() and not (target / BUILD_INFO).exists():
        raise ClsDataError(
            f"{target} exists and is not a folder built by cls-data; move it away or choose another --out"
        )
    progress(f"reading the release in {config.release}")
    splits, two_target, notes, files = read_release(config.release)
    for rows in splits.values():
        for row in rows:
            row.update({key: nfc(row[key]) for key in ("text", "summary", "cls_summary")})
    drop, flagged = flag_rows(splits)
    flagged_rows = sum(bool(row[FLAGS]) for rows in splits.values() for row in rows)
    dropped = 0
    if config.clean:
        kept = {split: [row for row in rows if row["id"] not in drop] for split, rows in splits.items()}
        dropped = sum(map(len, splits.values())) - sum(map(len, kept.values()))
        splits = kept
    train = splits["train"]
    subsets = {f"train_{n}": train[:n] for n in SUBSETS if n < len(train)}
    notes += [f"train has {len(train):,} rows: no train_{n}" for n in SUBSETS if n >= len(train)]
    ordered = {"train": train, **subsets, "validation": splits["validation"], "test": splits["test"]}
    rows = {split: len(split_rows) for split, split_rows in ordered.items()}
    result = ReleaseResult(target, rows, flagged, flagged_rows, dropped, two_target, notes)
    progress(f"writing {target}")
    _write(target, ordered, _build_info(config, result, files))
    return result


def _build_info(config: ReleaseConfig, result: ReleaseResult, files: list[Path]) -> dict:
    return {
        "name": DATASET,
        "kind": "vi2zh",
        "src_lang": SRC,
        "tgt_lang": TGT,
        "source": "paper-release",
        "release": {"commit": config.commit, "folder": str(config.release), "two_target_files": result.two_target},
        "seed": None,
        "sizes": "as released",
        "splits": result.split_rows,
        "unique_rows": sum(result.split_rows[s] for s in ("train", "validation", "test")),
        "has_url": False,
        "ids_only": False,
        "command": config.command,
        "tool_version": __version__,
        "built_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "inputs": [{"name": p.name, "bytes": p.stat().st_size, "sha256": file_sha256(p)} for p in files],
        "clean": config.clean,
        "flagged": dict(result.flagged),
        "flagged_rows": result.flagged_rows,
        "dropped_by_clean": result.dropped,
        "notes": result.notes,
        "license": "other",
        "license_name": "tflcls-release",
    }


def _write(target: Path, splits: dict[str, list[dict]], info: dict) -> None:
    """The folder, written beside its target and renamed into place (an earlier build goes only after that)."""
    from cls_data.dataset.release_card import render_release_card
    from cls_data.dataset.stats import split_stats

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        tmp.chmod(0o755)
        languages = {"text": SRC, "summary": SRC, "cls_summary": TGT}
        stats = {split: split_stats(rows, languages) for split, rows in splits.items()}
        files = {split: write_split(tmp, split, rows, COLUMNS) for split, rows in splits.items()}
        ids = {
            "name": DATASET,
            "kind": "vi2zh",
            "source": "paper-release",
            "command": info["command"],
            "inputs": info["inputs"],
            "splits": {split: [row["id"] for row in rows] for split, rows in splits.items()},
        }
        for name, data in ((IDS, ids), (STATS, stats), (BUILD_INFO, info)):
            (tmp / name).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (tmp / CARD).write_text(render_release_card(info, stats, files), encoding="utf-8")
        old = target.with_name(f".{target.name}.old-{os.getpid()}") if target.exists() else None
        if old:
            os.replace(target, old)
        os.replace(tmp, target)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
