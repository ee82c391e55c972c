"""The record types that flow between stages, and streaming JSONL read/write for them."""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import json
import os
import types
import typing
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cls_data.errors import RecordError


@dataclass
class Article:
    """One crawled news article with its human-written lead summary (the "sapo")."""

    id: str
    url: str
    site: str
    title: str
    summary: str
    text: str
    lang: str = "vi"
    published: str | None = None
    category: str | None = None
    author: str | None = None
    crawled_at: str | None = None
    # Keys this version does not know survive a read/write round trip.
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class CLSSample:
    """A cross-lingual summarization sample: document, source summary, target summary."""

    id: str
    text: str
    summary: str
    src_lang: str
    tgt_lang: str
    cls_summary: str | None = None
    back_summary: str | None = None
    rt_scores: dict[str, float] | None = None
    rt_score: float | None = None
    url: str | None = None
    site: str | None = None
    title: str | None = None
    lang: str | None = None
    published: str | None = None
    category: str | None = None
    author: str | None = None
    crawled_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_article(cls, article: Article, tgt_lang: str) -> CLSSample:
        shared = {f.name: getattr(article, f.name) for f in dataclasses.fields(Article) if f.name != "extra"}
        return cls(src_lang=article.lang, tgt_lang=tgt_lang, extra=dict(article.extra), **shared)


Record = TypeVar("Record", Article, CLSSample)


def stable_id(url: str) -> str:
    """A short, stable id for a canonical URL (the same URL always gives the same id)."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


def _allowed_types(hint: Any) -> tuple[type, ...]:
    """The JSON value types a field accepts, from its resolved type hint."""
    is_union = isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
    allowed: list[type] = []
    for arg in typing.get_args(hint) if is_union else (hint,):
        origin = typing.get_origin(arg) or arg
        if origin is float:
            allowed.extend([float, int])  # JSON does not tell 1 from 1.0
        elif origin in (str, dict, list, int, type(None)):
            allowed.append(origin)
        else:
            allowed.append(object)
    return tuple(allowed)


def _schema(record_type: type) -> tuple[dict[str, tuple[type, ...]], set[str]]:
    hints = typing.get_type_hints(record_type)
    fields = {f.name: f for f in dataclasses.fields(record_type) if f.name != "extra"}
    types_by_name = {name: _allowed_types(hints[name]) for name in fields}
    required = {
        name
        for name, f in fields.items()
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    return types_by_name, required


_SCHEMAS: dict[type, tuple[dict[str, tuple[type, ...]], set[str]]] = {}


# Identifiers are kept byte for byte (an id is a hash of the URL as it was); every text is NFC.
_VERBATIM = frozenset({"id", "url"})


def record_from_dict(record_type: type[Record], data: Any, where: str) -> Record:
    """Build a record from a decoded JSON object, naming `where` in any error.

    Text fields come out NFC whatever the producer wrote (docs/formats.md: every text is NFC), so a
    decomposed "ệ" from another tool never reaches the filter, the ROUGE scores or a dataset.
    """
    if record_type not in _SCHEMAS:
        _SCHEMAS[record_type] = _schema(record_type)
    field_types, required = _SCHEMAS[record_type]
    if not isinstance(data, dict):
        raise RecordError(f"{where}: expected a JSON object, got {type(data).__name__}")
    missing = sorted(required - data.keys())
    if missing:
        raise RecordError(f"{where}: missing required field(s) {', '.join(missing)} for {record_type.__name__}")
    known, extra = {}, {}
    for key, value in data.items():
        allowed = field_types.get(key)
        if allowed is None:
            extra[key] = value
            continue
        # bool is an int subclass in Python but never a valid number or string here.
        if isinstance(value, bool) and bool not in allowed or not isinstance(value, allowed):
            expected = " or ".join("null" if t is type(None) else t.__name__ for t in allowed)
            raise RecordError(f"{where}: field {key!r} should be {expected}, got {type(value).__name__} {value!r:.60}")
        if isinstance(value, str) and key not in _VERBATIM and not unicodedata.is_normalized("NFC", value):
            value = unicodedata.normalize("NFC", value)
        known[key] = value
    return record_type(**known, extra=extra)


def record_to_dict(record: Article | CLSSample) -> dict[str, Any]:
    data = {f.name: getattr(record, f.name) for f in dataclasses.fields(record) if f.name != "extra"}
    data.update(record.extra)
    return data


def numbered_lines(path: str | os.PathLike[str], encoding: str = "utf-8") -> Iterator[tuple[int, str]]:
    """(line number, line) of a text file; a file that cannot be opened or decoded is one
    `RecordError` naming the file (and line). Shared by every reader of JSONL and NCLS files.

    Lines end at "\\n" only, as `wc -l` counts them: U+2028, form feeds or a stray "\\r" inside a
    line do not split it (`str.splitlines` would). Each line is decoded on its own, so a byte that
    is not UTF-8 is reported on its own line; a UTF-8 byte order mark at the start is skipped.
    """
    path = Path(path)
    codec = "utf-8" if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig") else encoding
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise RecordError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with handle:
        for line_no, raw in enumerate(handle, start=1):  # binary iteration splits at b"\\n" only
            if line_no == 1 and raw.startswith(codecs.BOM_UTF8) and codec == "utf-8":
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                yield line_no, raw.decode(codec)
            except UnicodeDecodeError as exc:
                raise RecordError(
                    f"{path}:{line_no}: not {codec.upper()} ({exc.reason} at column {exc.start + 1})"
                ) from None


def json_problem(exc: json.JSONDecodeError) -> str:
    """ "Invalid control character at column 9": json's message (some end in "at") and where."""
    return f"{exc.msg.removesuffix(' at')} at column {exc.colno}"


def read_jsonl(path: str | os.PathLike[str], record_type: type[Record]) -> Iterator[Record]:
    """Stream records from a JSONL file; a malformed line stops with file, line and reason."""
    for line_no, line in numbered_lines(path):
        if not line.strip():
            continue
        where = f"{path}:{line_no}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RecordError(f"{where}: invalid JSON ({json_problem(exc)})") from None
        yield record_from_dict(record_type, data, where)


def peek_first(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The first record of a JSONL file as a dict, to tell record types apart before reading.

    None for an empty file or a first line that is not a JSON object: `read_jsonl` then reports
    the problem with its line number. A file that cannot be opened is a `RecordError`.
    """
    lines = numbered_lines(path)
    try:
        first = next((line for _, line in lines if line.strip()), None)
    finally:
        lines.close()  # closes the file now, not when the generator is collected
    try:
        data = json.loads(first) if first is not None else None
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def write_jsonl(path: str | os.PathLike[str], records: Iterable[Article | CLSSample], append: bool = False) -> int:
    """Write records as JSONL; without `append` the file is replaced atomically. Returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    target = path if append else path.with_name(path.name + ".tmp")
    count = 0
    with target.open("a" if append else "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(dumps(record))
            handle.write("\n")
            count += 1
        handle.flush()
        os.fsync(handle.fileno())
    if not append:
        os.replace(target, path)
    return count


def dumps(record: Article | CLSSample) -> str:
    """One record as one compact JSON line (UTF-8 kept readable, no trailing newline)."""
    return json.dumps(record_to_dict(record), ensure_ascii=False)
