"""Where crawled articles go: the JSONL output, the rejects file, and the persisted seen-set.

The seen-set (SQLite next to the output) remembers every canonical URL, fetched URL and content
hash already written or rejected, plus how many bytes of the output it has accounted for. On
open, any lines written after the last commit (a crawl killed between the write and the commit)
are read back into the set, and a half-written last line is cut off, so a resumed crawl writes
no duplicate and leaves no broken line. The keys of a written article carry the offset where its
line ends: an output that lost its tail after a clean close (a torn copy, a full disk) forgets
the keys of the lines it lost, so those articles are fetched again.
"""

from __future__ import annotations

import codecs
import json
import sqlite3
from pathlib import Path
from typing import Any

from cls_data.errors import RecordError
from cls_data.records import Article, dumps, json_problem, record_from_dict


def seen_path(out: Path) -> Path:
    return out.with_name(out.name + ".seen.sqlite")


class SeenStore:
    """Persisted set of (kind, key) pairs; kinds: url, hash, fetched.

    Commits are batched: a kill loses at most the last batch of keys, and `CrawlSink` recovers
    the keys of written articles from the output itself (the output offset commits with them).
    """

    BATCH = 200

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._pending = 0
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (kind TEXT, key TEXT, PRIMARY KEY (kind, key)) WITHOUT ROWID")
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER)")
        if "line_end" not in {row[1] for row in self.db.execute("PRAGMA table_info(seen)")}:
            self.db.execute("ALTER TABLE seen ADD COLUMN line_end INTEGER")  # null: a rejected page

    def has(self, kind: str, key: str) -> bool:
        return self.db.execute("SELECT 1 FROM seen WHERE kind=? AND key=?", (kind, key)).fetchone() is not None

    def add(
        self, pairs: list[tuple[str, str]], offset: int | None = None, commit: bool = False, line_end: int | None = None
    ) -> None:
        """Record keys; `line_end`: where the output line of the article they belong to ends."""
        if not self.db.in_transaction:
            self.db.execute("BEGIN")
        self.db.executemany(
            "INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", [(kind, key, line_end) for kind, key in pairs]
        )
        if offset is not None:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('offset', ?)", (offset,))
        self._pending += 1
        if commit or self._pending >= self.BATCH:
            self.commit()

    def commit(self) -> None:
        if self.db.in_transaction:
            self.db.execute("COMMIT")
        self._pending = 0

    def offset(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE name='offset'").fetchone()
        return row[0] if row else 0

    def forget_after(self, size: int) -> None:
        """Drop the keys of articles whose line ended beyond `size` bytes: the output lost them."""
        self.db.execute("DELETE FROM seen WHERE line_end > ?", (size,))

    def close(self) -> None:
        self.commit()
        self.db.close()


class CrawlSink:
    """The output file, rejects file and seen-set shared by every spider of one crawl."""

    def __init__(self, out: Path, rejects: Path | None = None):
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        self.store = SeenStore(seen_path(out))
        self._recover()
        self.handle = out.open("ab")
        self.rejects = rejects.open("a", encoding="utf-8") if rejects else None
        self.written = 0

    def __deepcopy__(self, memo: dict) -> CrawlSink:
        return self  # Scrapy deep-copies settings per crawler; all crawlers share one sink

    def _recover(self) -> None:
        from cls_data.crawl.clean import content_hash

        if not self.out.exists():
            self.store.add([], offset=0, commit=True)
            return
        size = self.out.stat().st_size
        done = self.store.offset()
        lost_tail = done > size  # a power cut before the OS wrote it, a torn copy: re-read it all
        if lost_tail:
            done = 0
        with self.out.open("r+b") as handle:
            handle.seek(done)
            tail = handle.read()
            cut = tail.rfind(b"\n") + 1
            if cut < len(tail):  # a line cut off by a kill: drop it, its article will be fetched again
                handle.truncate(done + cut)
        recovered, end = [], done
        for index, line in enumerate(tail[:cut].split(b"\n")[:-1]):  # b"\n" only, as the writer ends lines
            end += len(line) + 1
            if line.strip():
                first = done == 0 and index == 0  # an output another tool saved with a byte order mark
                article = self._parse_resumed(line.removeprefix(codecs.BOM_UTF8) if first else line, done, index)
                recovered.append(([("url", article.url), ("hash", content_hash(article.summary, article.text))], end))
        if lost_tail:
            self.store.forget_after(done + cut)
        for keys, line_end in recovered:
            self.store.add(keys, line_end=line_end)
        self.store.add([], offset=done + cut, commit=True)

    def _parse_resumed(self, line: bytes, offset: int, index: int) -> Article:
        """One line of an existing output; a bad one stops the crawl with its file and line."""
        try:
            return record_from_dict(Article, json.loads(line), "")
        except (json.JSONDecodeError, UnicodeDecodeError, RecordError) as exc:
            with self.out.open("rb") as handle:
                line_no = handle.read(offset).count(b"\n") + index + 1
            is_json = isinstance(exc, json.JSONDecodeError)
            reason = f"invalid JSON ({json_problem(exc)})" if is_json else str(exc).lstrip(": ")
            raise RecordError(
                f"{self.out}:{line_no}: {reason}; this output cannot be resumed: "
                "fix or remove that line, or crawl into a new --out"
            ) from None

    def seen(self, kind: str, key: str) -> bool:
        return self.store.has(kind, key)

    def write(self, article: Article, keys: list[tuple[str, str]]) -> None:
        # One write() per line, flushed before the keys are recorded: a killed process leaves at
        # most one torn last line, which the next open cuts off. (No fsync per line: a kill does not
        # lose the OS's page cache; a power cut is handled by re-reading the output.)
        self.handle.write(dumps(article).encode("utf-8") + b"\n")
        self.handle.flush()
        end = self.handle.tell()
        self.store.add(keys, offset=end, line_end=end)
        self.written += 1

    def reject(self, reason: str, item: dict[str, Any], keys: list[tuple[str, str]]) -> None:
        self.store.add(keys)
        if self.rejects:
            record = {"reason": reason, **{k: v for k, v in item.items() if not k.startswith("_")}}
            self.rejects.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.rejects.flush()

    def close(self) -> None:
        self.handle.close()
        if self.rejects:
            self.rejects.close()
        self.store.close()
