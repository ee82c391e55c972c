"""Check that an output file can be written before the work that produces it starts."""

from __future__ import annotations

import os
from pathlib import Path

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
