"""SQLite translation cache: survives a kill at any moment, so a rerun never pays twice."""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from cls_data.errors import ClsDataError

DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cls-data" / "translations.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    backend TEXT NOT NULL, model TEXT NOT NULL, src TEXT NOT NULL, tgt TEXT NOT NULL,
    text TEXT NOT NULL, translation TEXT NOT NULL,
    PRIMARY KEY (backend, model, src, tgt, text)
) WITHOUT ROWID
"""


class TranslationCache:
    """Keyed by backend, model, language pair and the normalised source text.

    WAL journal + a commit after every completed request: a SIGKILL loses at most the request
    in flight, and readers never see a half-written row.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise ClsDataError(f"cannot open translation cache {self.path}: {exc}") from None

    def get_many(self, backend: str, model: str, src: str, tgt: str, texts: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        texts = list(dict.fromkeys(texts))
        for start in range(0, len(texts), 500):  # SQLite caps bound parameters per statement
            chunk = texts[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT text, translation FROM translations WHERE backend=? AND model=? AND src=? AND tgt=?"
                f" AND text IN ({marks})",
                (backend, model, src, tgt, *chunk),
            )
            found.update(rows)
        return found

    def put_many(self, backend: str, model: str, src: str, tgt: str, pairs: Iterable[tuple[str, str]]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?, ?)",
            [(backend, model, src, tgt, text, translation) for text, translation in pairs],
        )
        self._db.commit()

    def stats(self) -> list[tuple[str, str, str, str, int]]:
        """(backend, model, src, tgt, rows) for every key prefix in the cache."""
        return list(
            self._db.execute(
                "SELECT backend, model, src, tgt, COUNT(*) FROM translations GROUP BY backend, model, src, tgt"
                " ORDER BY backend, model, src, tgt"
            )
        )

    def purge(self, backend: str | None = None, model: str | None = None, invalid: bool = False) -> Counter:
        """Delete rows of `backend`/`model` (all when None); with `invalid`, only answers that fail
        validation today (echoes, empty answers, wrong script). Returns the rows deleted, by reason."""
        from cls_data.translate.validate import answer_problem

        where, params = [], []
        for column, value in (("backend", backend), ("model", model)):
            if value is not None:
                where.append(f"{column}=?")
                params.append(value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        deleted: Counter = Counter()
        if not invalid:
            deleted["selected"] = self._db.execute(f"DELETE FROM translations{clause}", params).rowcount
            self._db.commit()
            return deleted
        doomed = []
        rows = self._db.execute(f"SELECT backend, model, src, tgt, text, translation FROM translations{clause}", params)
        for *key, text, translation in rows:
            problem = answer_problem(text, translation, key[2], key[3])
            if problem:
                deleted[problem] += 1
                doomed.append((*key, text))
        self._db.executemany(
            "DELETE FROM translations WHERE backend=? AND model=? AND src=? AND tgt=? AND text=?", doomed
        )
        self._db.commit()
        return deleted

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM translations").fetchone()[0]

    def close(self) -> None:
        self._db.close()
