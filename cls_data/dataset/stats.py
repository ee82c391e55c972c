"""Table-1 statistics of the paper: documents per split and average lengths per field.

Lengths are counted in the unit of the field's language, as in the paper: whitespace words for
Vietnamese and English (`avg_words`), characters of the NFC string for Chinese (`avg_chars`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cls_data.dataset_folder import read_build_info, read_split, read_stats, split_files
from cls_data.errors import ClsDataError
from cls_data.records import CLSSample, read_jsonl
from cls_data.text import count_chars, count_words, han_count, is_chinese

FIELDS = ("text", "summary", "cls_summary")
SPLIT_ORDER = ("train", "train_1000", "train_3000", "train_5000", "validation", "valid", "test")


@dataclass
class FieldStats:
    unit: str  # "avg_words" or "avg_chars"
    total: int = 0
    count: int = 0

    def add(self, value: str) -> None:
        self.total += count_chars(value) if self.unit == "avg_chars" else count_words(value)
        self.count += 1

    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0


def unit_for_language(lang: str) -> str:
    """Characters for Chinese and the other languages written without spaces (Japanese, Thai...), else words."""
    from cls_data.languages import lookup

    known = lookup(lang)
    return "avg_chars" if is_chinese(lang) or (known and known.rouge in ("chars", "clusters")) else "avg_words"


def split_stats(rows: Iterable[Mapping[str, object]], languages: Mapping[str, str]) -> dict:
    """Statistics of one split; `languages` maps each field to its language code."""
    fields = {name: FieldStats(unit_for_language(languages[name])) for name in FIELDS}
    docs = 0
    for row in rows:
        docs += 1
        for name, stats in fields.items():
            value = row.get(name)
            if isinstance(value, str):
                stats.add(value)
    result: dict = {"docs": docs}
    for name, stats in fields.items():
        if stats.count:
            result[name] = {stats.unit: round(stats.mean(), 2)}
    return result


def _split_order(name: str) -> tuple[int, str]:
    return (SPLIT_ORDER.index(name) if name in SPLIT_ORDER else len(SPLIT_ORDER), name)


def _looks_chinese(values: Iterable[str]) -> bool:
    """Fallback when no language is recorded: mostly Han characters means Chinese."""
    sample = "".join(v for v, _ in zip(values, range(50), strict=False) if isinstance(v, str))
    return han_count(sample) > 0.3 * max(len(sample.replace(" ", "")), 1)


def _jsonl_split(path: Path) -> tuple[str, dict]:
    """One split streamed (142k samples need not sit in memory); languages from its first record."""
    samples = read_jsonl(path, CLSSample)
    first = next(samples, None)
    src, tgt = (first.src_lang, first.tgt_lang) if first else ("vi", "zh")
    languages = {"text": src, "summary": src, "cls_summary": tgt}
    rows = (
        {"text": s.text, "summary": s.summary, "cls_summary": s.cls_summary}
        for s in itertools.chain([first] if first else [], samples)
    )
    return path.stem, split_stats(rows, languages)


def _folder_languages(folder: Path, table) -> dict[str, str]:
    data = read_build_info(folder) or {}
    if data.get("src_lang") and data.get("tgt_lang"):
        return {"text": data["src_lang"], "summary": data["src_lang"], "cls_summary": data["tgt_lang"]}
    guess = {}
    for name in FIELDS:
        column = table.column(name).to_pylist() if name in table.column_names else []
        guess[name] = "zh" if _looks_chinese(column) else "vi"  # any word-counted language
    return guess


def _folder_splits(folder: Path) -> dict[str, dict]:
    splits = split_files(folder)
    if not splits:
        stats = read_stats(folder)  # an --ids-only build: no text, stats kept
        if stats is None:
            raise ClsDataError(f"{folder}: no data/*.parquet files; is this a folder made by `cls-data build`?")
        return stats
    result, languages = {}, None
    for split in splits:
        table = read_split(folder, split)
        languages = languages or _folder_languages(folder, table)
        result[split] = split_stats(table.to_pylist(), languages)
    return result


def dataset_stats(inputs: Iterable[str | Path]) -> dict[str, dict]:
    """Table-1 statistics for JSONL files (one split each, named by file stem) or built folders."""
    result: dict[str, dict] = {}
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = _folder_splits(path)
        elif path.exists():
            found = dict([_jsonl_split(path)])
        else:
            raise ClsDataError(f"{path}: no such file or folder")
        if not any(split.get("docs") for split in found.values()):
            raise ClsDataError(f"{path}: no documents; there are no statistics to compute")
        clash = result.keys() & found.keys()
        if clash:
            raise ClsDataError(f"split name(s) {', '.join(sorted(clash))} given twice; rename the files")
        result.update(found)
    return dict(sorted(result.items(), key=lambda item: _split_order(item[0])))
