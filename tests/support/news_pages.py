"""Saved pages of real news sites (tests/data/news_pages, provenance in its README) with their
hand labels, and a loopback site that serves them as a publisher would: robots.txt, sitemaps,
RSS/Atom feeds and a listing page. Shared by the generic-crawl tests and bench/bench_extract.py."""

from __future__ import annotations

import gzip
import json
import threading
from collections import Counter
from dataclasses import dataclass
from html import escape
from pathlib import Path

from tests.support.fixture_site import FixtureSite

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


def saved(*stems: str) -> list[SavedPage]:
    pages = {p.page: p for p in saved_pages()}
    return [pages[s] for s in stems]


class NewsPagesSite(FixtureSite):
    """Saved pages served on 127.0.0.1 at article-like paths, found from what the test adds:
    `listing()` (a home page with pagination), `sitemaps()` (robots.txt -> index -> news sitemap),
    `feed()` (RSS or Atom); the last two name absolute URLs, so call them inside `with`.
    Unknown paths answer 404, as real sites do."""

    def __init__(self, pages: list[SavedPage]):  # noqa: D107 - FixtureSite's serving, none of its spider pages
        self.pages = pages
        self.hits: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {}
        self.routes: dict[str, tuple[int, dict[str, str], bytes, float]] = {}
        self.unsized: set[str] = set()
        self.lock = threading.Lock()
        for page in pages:
            self.add(page.path, page.html)

    def listing(self, per_page: int = 2, path: str = "/") -> None:
        chunks = [self.pages[i : i + per_page] for i in range(0, len(self.pages), per_page)]
        for n, chunk in enumerate(chunks, start=1):
            here = path if n == 1 else f"/news/page/{n}"
            links = "".join(f'<li><a href="{p.path}">{escape(p.title)}</a></li>' for p in chunk)
            nxt = f'<a class="pager" href="/news/page/{n + 1}">Next »</a>' if n < len(chunks) else ""
            self.add(
                here,
                f'<html><body><nav><a href="/">Home</a> <a href="/tag/world">World</a></nav>'
                f"<ul>{links}</ul>{nxt}</body></html>",
            )

    def sitemaps(self, pages: list[SavedPage] | None = None, also: tuple[str, ...] = ()) -> None:
        """`also`: more paths the news sitemap lists (sections, tags: real sitemaps mix them in)."""
        pages = self.pages if pages is None else pages
        self.add(
            "/robots.txt",
            f"User-agent: *\nDisallow: /private/\nSitemap: {self.base_url}/sitemap-index.xml\n",
            "text/plain",
        )
        self.add(
            "/sitemap-index.xml",
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{self.base_url}/news-sitemap.xml</loc></sitemap></sitemapindex>",
            "application/xml",
        )
        urls = "".join(
            f"<url><loc>{self.base_url}{p.path}</loc><news:news><news:publication_date>{p.published}"
            "</news:publication_date></news:news></url>"
            for p in pages
        ) + "".join(f"<url><loc>{self.base_url}{path}</loc></url>" for path in also)
        self.add(
            "/news-sitemap.xml",
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>',
            "application/xml",
        )

    def feed(self, path: str = "/feed.xml", atom: bool = False, pages: list[SavedPage] | None = None) -> None:
        pages = self.pages if pages is None else pages
        if atom:
            entries = "".join(
                f'<entry><title>{escape(p.title)}</title><link rel="alternate" href="{p.path}"/>'
                f"<published>{p.published}T08:00:00Z</published></entry>"
                for p in pages
            )
            body = f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>'
        else:
            items = "".join(
                f"<item><title>{escape(p.title)}</title><link>{self.base_url}{p.path}</link></item>" for p in pages
            )
            channel = f"<channel><title>t</title>{items}</channel>"
            body = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0">{channel}</rss>'
        self.add(path, body, "application/rss+xml")

    def __enter__(self) -> NewsPagesSite:
        super().__enter__()
        return self
