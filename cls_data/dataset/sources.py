"""Input files of each builder, and the pools (NCLS split or one pool) their samples belong to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cls_data.dataset.kinds import DatasetKind
from cls_data.dataset.ncls import NCLS_SPLITS, ParseReport
from cls_data.errors import ClsDataError
from cls_data.records import CLSSample, peek_first, read_jsonl

JSONL_SUFFIXES = (".jsonl", ".json")


def _is_jsonl(path: Path) -> bool:
    return path.suffix.lower() in JSONL_SUFFIXES


def expand_inputs(kind: DatasetKind, inputs: list[Path]) -> list[Path]:
    """Files to read: folders give their release files (e.g. EN2ZHSUM_*.txt) or JSONL files."""
    files: list[Path] = []
    for path in inputs:
        if path.is_dir():
            patterns = [f"{kind.release}_*.txt", "*.jsonl"] if kind.release else ["*.jsonl"]
            found = sorted(p for p in path.iterdir() if p.is_file() and any(p.match(pat) for pat in patterns))
            if not found:
                raise ClsDataError(f"{path}: no {' or '.join(patterns)} files in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ClsDataError(f"{path}: no such file or folder")
    return files


def _jsonl_pool(path: Path) -> str:
    """A JSONL file named like an NCLS split (x_train.jsonl, valid.jsonl) is that pool; else one pool."""
    parts = path.stem.lower().replace("-", "_").replace(".", "_").split("_")
    named = [NCLS_SPLITS[p] for p in parts if p in NCLS_SPLITS]
    return named[-1] if named else "all"


def read_pools(
    kind: DatasetKind, inputs: list[Path], lcsts: list[Path], report: ParseReport, tags: dict[str, str] | None = None
) -> Iterator[tuple[str, CLSSample]]:
    """(pool, sample) for every readable sample of the inputs, in a fixed order."""
    files = expand_inputs(kind, inputs)
    jsonl = [p for p in files if _is_jsonl(p)]
    release = [p for p in files if not _is_jsonl(p)]
    if release and kind.reader is None:
        raise ClsDataError(f"{release[0]}: `build {kind.name}` reads the filter's CLSSample JSONL (kept.jsonl)")
    for path in jsonl:
        pool = _jsonl_pool(path) if kind.release else "all"
        _refuse_untranslated(path)
        for sample in read_jsonl(path, CLSSample):
            yield pool, sample
    if release:
        yield from kind.read()(release, lcsts, report, tags)


def _refuse_untranslated(path: Path) -> None:
    """Crawl output (Article records) is a common mistake here: say what to run instead."""
    record = peek_first(path)
    if record and "site" in record and "src_lang" not in record and "cls_summary" not in record:
        raise ClsDataError(
            f"{path} holds crawled articles, not translated samples: "
            "run `cls-data filter` on it first and build from its kept.jsonl"
        )
