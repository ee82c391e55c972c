"""The crawl's configuration, built by the CLI and passed to `run_crawl`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cls_data.crawl.pipelines import Limits

DEFAULT_USER_AGENT = "cls-data/0.1 (+https://github.com/cls-data/cls-data; research crawler; contact: cls-data@example.org)"


SPIDER_MODULES = ["cls_data.spiders"]  # spiders/ installs as cls_data.spiders

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
    user_agent: str = DEFAULT_USER_AGENT
    limits: Limits = field(default_factory=Limits)
    max_pages: int = 50  # listing pages per category
    max_page_mb: float = 10.0  # a bigger response is cancelled and counted (dropped: page_too_large)
    # Politeness; tests and the benchmark turn throttling off and shorten the timeouts.
    autothrottle: bool = True
    concurrency_per_domain: int = 4
    download_delay: float = 0.25
    timeout: float = 30.0
    retries: int = 3
    max_retry_after: float = 120.0
    obey_robots: bool = True
    progress: bool = True
    extra_settings: dict = field(default_factory=dict)
