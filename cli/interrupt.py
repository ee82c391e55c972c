"""Ctrl-C in a long command: one `error:` line saying what is kept and the command that resumes (exit 130)."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from cls_data.errors import Interrupted


def resume_command() -> str:
    """The command line as the user typed it (program name as `cls-data`), quoted for a shell."""
    return shlex.join(["cls-data", *sys.argv[1:]])


@contextmanager
def resumable(kept: str) -> Iterator[None]:
    """Turn Ctrl-C inside the block into `Interrupted`: "interrupted; <kept>; resume with: <command>"."""
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted; {kept}; resume with: {resume_command()}") from None
