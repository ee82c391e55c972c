"""Output files: checked before the work that produces them starts, written atomically when it ends."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from cls_data.errors import ClsDataError


def check_output_file(path: Path, option: str) -> None:
    """One `ClsDataError` line when `path` cannot be created or appended to; creates its folder.

    Run before any download, translation or scoring, so a typo in `--out` costs a second, not
    the work of a whole run. Nothing is written: an existing file is opened for appending and
    closed, a missing one is created and removed again.
    """
    path = Path(path)
    fail = lambda why: ClsDataError(f"{option} {path}: cannot write there ({why})")  # noqa: E731
    if path.is_dir():
        raise fail("it is a folder; give a file name")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise fail(f"{parent} is a file, not a folder")
            break
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        with path.open("ab"):
            pass
        if not existed:
            path.unlink()
    except OSError as exc:
        raise fail(exc.strerror or str(exc)) from None
    if not os.access(path.parent, os.W_OK | os.X_OK):  # root passes the open above regardless
        raise fail("permission denied")


def write_text_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write `text` through a sibling temporary file renamed over `path`: a reader, or a rerun after a
    kill, sees the old file or the new one, never half of one (pid and uuid keep concurrent writers apart, also
    processes of other hosts on a shared file system)."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(text, encoding=encoding)
    os.replace(tmp, path)


def write_json_atomic(path: str | os.PathLike[str], data: Any, indent: int = 2) -> None:
    """`data` as UTF-8 JSON (non-ASCII kept readable), written atomically."""
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=indent) + "\n")
