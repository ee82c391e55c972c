"""What a dataset may publish: both summaries in their language; what it may not goes to a rejects file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from cls_data.dataset.kinds import DatasetKind
from cls_data.records import CLSSample, record_to_dict
from cls_data.text import garbage_problem, language_name, language_problem

LANGUAGE_DROP = " summary not in "  # in every language drop reason ("Chinese summary not in Chinese")


def language_drop(sample: CLSSample, kind: DatasetKind) -> str | None:
    """Why a sample cannot be published as a `kind` pair ("Chinese summary not in Chinese"), or None.

    The rule is `text.language_problem`'s script test; it flags a good Chinese sentence crowded
    with Latin names too (docs/translation.md counts those).
    """
    fault = language_fault(sample, kind)
    return fault[1] if fault else None


def language_fault(sample: CLSSample, kind: DatasetKind) -> tuple[str, str] | None:
    """(the column, `language_drop`'s reason) for the first summary not in its language, or None."""
    for column, lang in (("summary", kind.src), ("cls_summary", kind.tgt)):
        value = getattr(sample, column)
        if value and (problem := language_problem(value, lang)):
            name = language_name(lang)
            garbled = f" ({problem})" if garbage_problem(value) else ""  # not text at all: say why
            return column, f"{name}{LANGUAGE_DROP}{name}{garbled}"
    return None


def rejects_name(dataset: str) -> str:
    """The rejects file's name (`<Name>.rejects.jsonl`), beside the dataset folder, never published."""
    return f"{dataset}.rejects.jsonl"


class RejectsFile:
    """`<out>/<Name>.rejects.jsonl`: each dropped unpublishable sample with its reason, written as read.

    Written to a hidden temporary file and renamed into place only when the build succeeds.
    """

    def __init__(self, out: Path, name: str):
        self.path = out / rejects_name(name)
        self._tmp: Path | None = None
        self._handle = None

    def add(self, sample: CLSSample, reason: str) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.tmp-", dir=self.path.parent)
            self._tmp, self._handle = Path(tmp), os.fdopen(fd, "w", encoding="utf-8")
        self._handle.write(json.dumps({"reason": reason, **record_to_dict(sample)}, ensure_ascii=False) + "\n")

    def commit(self) -> Path | None:
        """Rename into place (a stale file from an earlier build goes when nothing was dropped)."""
        if self._handle is None:
            self.path.unlink(missing_ok=True)
            return None
        self._handle.close()
        os.replace(self._tmp, self.path)
        return self.path

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._tmp.unlink(missing_ok=True)
