"""Saved pages of real news sites (tests/data/news_pages, provenance in its README) with their
hand labels, and a loopback site that serves them as a publisher would: robots.txt, sitemaps,
RSS/Atom feeds and a listing page. Shared by the generic-crawl tests and bench/bench_extract.py."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

PAGES = Path(__file__).resolve().parents[1] / "data" / "news_pages"


@dataclass(frozen=True)
class SavedPage:
    page: str  # file stem
    publisher: str
    url: str | None  # where it was published (None: unknown)
    lang: str
    title: str
    lead: str
    published: str  # YYYY-MM-DD
    body_start: str  # the story's first words (after any standfirst)

    @property
    def html(self) -> str:
        return gzip.decompress((PAGES / f"{self.page}.html.gz").read_bytes()).decode("utf-8")

    @property
    def path(self) -> str:
        """Where the loopback site serves it: an article-like path."""
        return f"/{self.lang}/2024/05/{self.page.replace('.', '-').replace('_', '-')}-story.html"


def saved_pages() -> list[SavedPage]:
    return [SavedPage(**row) for row in json.loads((PAGES / "labels.json").read_text(encoding="utf-8"))]
