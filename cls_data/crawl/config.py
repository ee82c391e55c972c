"""The crawl's configuration, built by the CLI and passed to `run_crawl`: what to fetch, the bounds
(date range, article limit) every stage checks through `Bounds`, and what a plausible article is."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cls_data.errors import ClsDataError

DEFAULT_DOWNLOAD_DELAY = 0.25  # seconds between requests to one site (0 with --no-throttle)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DEFAULT_USER_AGENT = (
    "cls-data/0.1 (+https://github.com/cls-data/cls-data; research crawler; contact: cls-data@example.org)"
)


SPIDER_MODULES = ["cls_data.spiders"]  # spiders/ installs as cls_data.spiders


@dataclass
class Limits:
    """What a plausible article looks like (whitespace-separated words; for a generic site's article
    in another language, `cls_data.crawl.generic.text_units`: a Han or kana character is a word)."""

    min_title_chars: int = 10
    min_summary_words: int = 8
    max_summary_words: int = 150
    min_body_words: int = 60
    vi_threshold: float = 0.5
    max_record_chars: int = 100_000  # title + summary + body; a longer one is a dump, not an article

    def check(self) -> None:
        """Raise ClsDataError for a limit no article could meet (the CLI's ranges, for library callers)."""
        for name in ("min_title_chars", "min_summary_words", "min_body_words"):
            if getattr(self, name) < 0:
                raise ClsDataError(f"--{name.replace('_', '-')} must be 0 or more, got {getattr(self, name)}")
        if self.min_summary_words > self.max_summary_words:
            raise ClsDataError(
                f"--min-summary-words {self.min_summary_words} is above the longest summary kept "
                f"({self.max_summary_words} words)"
            )
        if self.max_record_chars < 1:
            raise ClsDataError(f"--max-record-chars must be 1 or more, got {self.max_record_chars}")


@dataclass(frozen=True)
class Bounds:
    """The crawl's bounds: publication dates `since`..`until` (YYYY-MM-DD, inclusive) and at most
    `limit` articles per site. The one place where they are checked."""

    since: str | None = None
    until: str | None = None
    limit: int = 0  # 0: no limit

    def check(self) -> None:
        """Raise ClsDataError when a date is no real YYYY-MM-DD day or the range is empty."""
        for name, value in (("--since", self.since), ("--until", self.until)):
            if value:
                try:  # a real calendar day, not only its shape: 2024-13-01 is no date
                    if not _DAY.match(value):
                        raise ValueError
                    date.fromisoformat(value)
                except ValueError:
                    raise ClsDataError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None
        if self.since and self.until and self.since > self.until:
            raise ClsDataError(f"--since {self.since} is after --until {self.until}: no article can match")
        if self.limit < 0:
            raise ClsDataError(f"--limit must be 1 or more, got {self.limit}")

    def admits(self, published: str | None, until_too: bool = True) -> bool:
        """Whether a publication date (ISO, or None when unknown: admitted) is within the range;
        `until_too=False` checks only `since` (a sitemap's lastmod can be later than publication)."""
        day = (published or "")[:10]
        if not day:
            return True
        return not ((self.since and day < self.since) or (until_too and self.until and day > self.until))

    def reached(self, articles: int) -> bool:
        """Whether a site that wrote `articles` articles is done."""
        return bool(self.limit) and articles >= self.limit


@dataclass
class CrawlConfig:
    sites: list[str]
    out: Path
    limit: int | None = None  # articles per site
    since: str | None = None  # YYYY-MM-DD, inclusive
    until: str | None = None
    job_dir: Path | None = None
    rejects: Path | None = None
    redis_url: str | None = None
    redis_idle: float = 30.0  # seconds the shared frontier must stay empty before a process stops
    base_url: str | None = None
    urls: list[str] = field(default_factory=list)
    urls_file: Path | None = None  # --urls: one URL a line; bad lines are skipped with a note naming file:line
    sites_file: Path | None = None  # --sites: sites.toml, sites crawled by the generic spider
    lang: str | None = None  # --lang: the language of a generic site given by URL (or of --urls pages)
    user_agent: str = DEFAULT_USER_AGENT
    limits: Limits = field(default_factory=Limits)
    max_pages: int = 50  # listing pages per category
    max_page_mb: float = 10.0  # a bigger response is cancelled and counted (dropped: page_too_large)
    # Politeness; tests and the benchmark turn throttling off and shorten the timeouts.
    autothrottle: bool = True
    concurrency_per_domain: int = 4
    download_delay: float = DEFAULT_DOWNLOAD_DELAY
    timeout: float = 30.0
    retries: int = 3
    max_retry_after: float = 120.0
    obey_robots: bool = True
    progress: bool = True
    extra_settings: dict = field(default_factory=dict)

    @property
    def bounds(self) -> Bounds:
        return Bounds(self.since, self.until, self.limit or 0)
