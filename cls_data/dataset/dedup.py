"""Exact duplicate removal: the same document or the same summary after normalisation is kept once.

News sites republish articles under new URLs, and NCLS repeats some articles, so a duplicate is
judged by content, not by id or URL. Only fingerprints are kept in memory.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from cls_data.records import CLSSample
from cls_data.text import normalize

DROP_REASONS = ("incomplete record", "duplicate id", "duplicate document", "duplicate summary")


def fingerprint(text: str) -> bytes:
    """A 16-byte digest of the text after normalisation and case folding."""
    return hashlib.blake2b(normalize(text).casefold().encode("utf-8"), digest_size=16).digest()


class DedupKey(NamedTuple):
    """What deduplication needs of a sample: its id and fingerprints, not its text."""

    id: str
    complete: bool
    document: bytes
    summary: bytes

    @classmethod
    def of(cls, sample: CLSSample) -> DedupKey:
        complete = bool(sample.text and sample.summary and sample.cls_summary)
        if not complete:
            return cls(sample.id, False, b"", b"")
        return cls(sample.id, True, fingerprint(sample.text), fingerprint(sample.summary))


@dataclass
class Deduplicator:
    """Decides, record by record in a fixed order, whether a record is new; counts drops per reason."""

    dropped: Counter = field(default_factory=Counter)
    _ids: set[str] = field(default_factory=set)
    _docs: set[bytes] = field(default_factory=set)
    _summaries: set[bytes] = field(default_factory=set)

    def keep(self, item: CLSSample | DedupKey) -> bool:
        key = item if isinstance(item, DedupKey) else DedupKey.of(item)
        if not key.complete:
            reason = "incomplete record"
        elif key.id in self._ids:
            reason = "duplicate id"
        elif key.document in self._docs:
            reason = "duplicate document"
        elif key.summary in self._summaries:
            reason = "duplicate summary"
        else:
            self._ids.add(key.id)
            self._docs.add(key.document)
            self._summaries.add(key.summary)
            return True
        self.dropped[reason] += 1
        return False
