"""The `--urls` file: one article URL a line; a line that is no http(s) URL is reported and skipped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cls_data.errors import ClsDataError
from cls_data.records import numbered_lines


@dataclass(frozen=True)
class UrlLine:
    where: str  # "file:line", for messages
    url: str


def read_url_file(path: Path) -> tuple[list[UrlLine], list[str]]:
    """The usable URLs of a `--urls` file and one note per skipped line (blank lines and `#`
    comments are not notes). A file with no usable URL at all is an error."""
    urls, notes = [], []
    for line_no, raw in numbered_lines(path):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{line_no}"
        parts = urlsplit(line)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in line):
            notes.append(f"{where}: not an absolute http(s) URL, skipped: {line[:80]!r}")
        else:
            urls.append(UrlLine(where, line))
    if not urls:
        first = f" ({notes[0]}{f'; {len(notes) - 1} more' if len(notes) > 1 else ''})" if notes else ""
        raise ClsDataError(f"{path}: no usable article URL{first}")
    return urls, notes
