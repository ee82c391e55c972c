"""Run a crawl in-process with Scrapy's CrawlerProcess; report live progress and a summary."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cls_data.crawl.config import SPIDER_MODULES, CrawlConfig
from cls_data.crawl.urls import UrlLine, read_url_file
from cls_data.errors import ClsDataError
from cls_data.outputs import check_output_file


def spider_classes() -> dict[str, type]:
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    loader = SpiderLoader.from_settings(Settings({"SPIDER_MODULES": SPIDER_MODULES}))
    return {name: loader.load(name) for name in sorted(loader.list())}


def list_spiders() -> list[tuple[str, str]]:
    """(name, domain) of every installed site spider."""
    return [(name, urlsplit(cls.base_url).hostname or "") for name, cls in spider_classes().items()]


def summary_path(out: Path) -> Path:
    return out.with_name(out.stem + ".summary.json")


@dataclass
class SiteSummary:
    site: str
    articles: int = 0
    pages: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    rules: dict[str, dict[str, int]] = field(default_factory=dict)
    known: int = 0  # articles found that the output already holds (not fetched again)
    first_error: str | None = None
    finish_reason: str | None = None
    elapsed_s: float = 0.0

    @classmethod
    def from_stats(cls, site: str, stats: dict[str, Any], elapsed: float) -> SiteSummary:
        s = cls(
            site,
            articles=stats.get("cls/articles", 0),
            pages=stats.get("downloader/response_count", 0),
            known=stats.get("cls/known", 0),
            first_error=stats.get("cls/first_error"),
            finish_reason=stats.get("finish_reason"),
            elapsed_s=round(elapsed, 3),
        )
        for key, value in stats.items():
            if key.startswith("cls/dropped/"):
                s.dropped[key.removeprefix("cls/dropped/")] = value
            elif key.startswith("cls/errors/"):
                s.errors[key.removeprefix("cls/errors/")] = value
            elif key.startswith("cls/rule/"):
                field_name, rule = key.removeprefix("cls/rule/").split("/", 1)
                s.rules.setdefault(field_name, {})[rule] = value
        return s

    @property
    def rate(self) -> float:
        return self.articles / self.elapsed_s if self.elapsed_s else 0.0


@dataclass
class CrawlSummary:
    out: Path
    sites: list[SiteSummary]
    started_at: str
    elapsed_s: float
    notes: list[str] = field(default_factory=list)  # what the user should know: skipped --urls lines, nothing new

    @property
    def articles(self) -> int:
        return sum(s.articles for s in self.sites)

    def as_json(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "started_at": self.started_at,
            "elapsed_s": round(self.elapsed_s, 3),
            "articles": self.articles,
            "articles_per_s": round(self.articles / self.elapsed_s, 2) if self.elapsed_s else 0.0,
            "sites": {
                s.site: {**{k: v for k, v in vars(s).items() if k != "site"}, "articles_per_s": round(s.rate, 2)}
                for s in self.sites
            },
            "notes": self.notes,
        }


def _check(config: CrawlConfig, known: dict[str, type]) -> None:
    unknown = [s for s in config.sites if s not in known]
    if unknown:
        raise ClsDataError(f"unknown site {', '.join(unknown)}; known: {', '.join(known)}")
    if not config.sites:
        raise ClsDataError("no site given: use --site NAME (see --list), --site URL --lang LANG, --sites TOML or --all")
    config.bounds.check()
    config.limits.check()
    if not config.max_page_mb > 0:
        raise ClsDataError(f"--max-page-mb must be more than 0, got {config.max_page_mb}")
    if config.base_url and not urlsplit(config.base_url).scheme.startswith("http"):
        raise ClsDataError(f"--base-url must be an http(s) URL, got {config.base_url!r}")


def run_crawl(config: CrawlConfig, on_progress: Callable[[list[SiteSummary]], None] | None = None) -> CrawlSummary:
    """Crawl the configured sites into `config.out`; raises ClsDataError when nothing could be fetched.

    Runs Twisted's reactor, which cannot be restarted: one call per process (run more in
    subprocesses, as the CLI and the benchmark do).
    """
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from cls_data.crawl.settings import build_settings
    from cls_data.crawl.sink import CrawlSink

    known = spider_classes()
    known, routed, notes = _prepare(config, known)
    existed = config.out.exists()
    sink = CrawlSink(config.out, config.rejects)
    process = CrawlerProcess(build_settings(config, sink))
    started, t0 = datetime.now(timezone.utc).replace(microsecond=0).isoformat(), time.monotonic()
    crawlers, finished = {}, {}
    for site in config.sites:
        spidercls = known[site]
        if config.job_dir:  # one JOBDIR per spider: Scrapy's queue and seen-file are per spider
            extra = {**(spidercls.custom_settings or {}), "JOBDIR": str(config.job_dir / site)}
            spidercls = type(spidercls.__name__, (spidercls,), {"custom_settings": extra})
        crawler = process.create_crawler(spidercls)
        crawler.signals.connect(_snapshot(site, crawler, finished, t0), signal=signals.spider_closed)
        crawlers[site] = crawler
        process.crawl(crawler, mirror=config.base_url, urls=routed.get(site, []))

    def progress() -> list[SiteSummary]:
        now = time.monotonic() - t0
        return [
            finished.get(site) or SiteSummary.from_stats(site, c.stats.get_stats(), now) for site, c in crawlers.items()
        ]

    if on_progress:
        from twisted.internet import reactor, task

        loop = task.LoopingCall(lambda: on_progress(progress()))
        reactor.callWhenRunning(loop.start, 0.5, now=False)
    try:
        process.start()
    finally:
        sink.close()
    summary = CrawlSummary(config.out, progress(), started, time.monotonic() - t0, notes)
    _finish(config, summary, existed)
    return summary


def _prepare(config: CrawlConfig, known: dict[str, type]) -> tuple[dict[str, type], dict[str, list[str]], list[str]]:
    """Check everything before any download (a bad path costs a second, not a crawl): the sites, the URLs given
    (each routed to its site's spider; a site with no spider of its own gets the generic one), the output paths,
    the hosts' names. Returns (every spider by site, {site: URLs}, notes)."""
    from cls_data.crawl.generic_sites import generic_spiders

    notes: list[str] = []
    url_lines = [UrlLine(f"urls[{i}]", url) for i, url in enumerate(config.urls)]
    if config.urls_file:
        from_file, notes = read_url_file(config.urls_file)
        url_lines += from_file
    known = {**known, **generic_spiders(config, known, url_lines)}  # sites with no spider of their own
    if url_lines and not config.sites:  # --urls alone: the spiders whose domain the URLs name
        config.sites = sorted(
            {name for line in url_lines for name, cls in known.items() if _same_site(line.url, cls.base_url)}
        )
        if not config.sites:
            raise ClsDataError(
                f"{url_lines[0].where}: {_host(url_lines[0].url)} is the site of no spider (see --list); give --site"
            )
    _check(config, known)
    routed = _route_urls(url_lines, config, known, notes) if url_lines else {}
    if routed:  # a site none of the listed URLs belongs to is not crawled (its spider would discover)
        config.sites = [site for site in config.sites if site in routed]
    check_output_file(config.out, "--out")
    if config.rejects:
        check_output_file(config.rejects, "--rejects")
    if config.job_dir and config.job_dir.exists() and not config.job_dir.is_dir():
        raise ClsDataError(f"--job-dir {config.job_dir}: is a file, not a folder")
    _resolve_or_fail([config.base_url] if config.base_url else [known[site].base_url for site in config.sites])
    return known, routed, notes


def _finish(config: CrawlConfig, summary: CrawlSummary, existed: bool) -> None:
    """Write the crawl's .summary.json; raise when nothing at all could be fetched (leaving no empty output)."""
    from cls_data.crawl.sink import seen_path

    first = next((s.first_error for s in summary.sites if s.first_error), None)
    seen_before = sum(s.known for s in summary.sites)
    if summary.articles == 0 and seen_before:
        # A rerun of a finished crawl: not a failure, whatever else went wrong on the way.
        summary.notes.append(f"nothing new: the {seen_before} article(s) found are already in {config.out}")
    text = json.dumps(summary.as_json(), indent=2, ensure_ascii=False) + "\n"
    summary_path(config.out).write_text(text, encoding="utf-8")
    if summary.articles == 0 and first and not seen_before and not any(s.dropped for s in summary.sites):
        if not existed and config.out.stat().st_size == 0:  # leave no empty output behind
            config.out.unlink()
            seen_path(config.out).unlink(missing_ok=True)
        raise ClsDataError(f"no article could be fetched: {first}")


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def _same_site(url: str, base_url: str) -> bool:
    return _host(url) == _host(base_url)


def _route_urls(
    lines: list[UrlLine], config: CrawlConfig, known: dict[str, type], notes: list[str]
) -> dict[str, list[str]]:
    """Each listed URL to the spider of its site (or of the --base-url mirror); the rest are notes."""
    routed: dict[str, list[str]] = {}
    for line in lines:
        site = next((s for s in config.sites if _same_site(line.url, known[s].base_url)), None)
        if site is None and len(config.sites) == 1 and config.base_url and _same_site(line.url, config.base_url):
            site = config.sites[0]
        if site is None:
            notes.append(f"{line.where}: {_host(line.url)} is not the site of {' or '.join(config.sites)}, skipped")
        else:
            routed.setdefault(site, []).append(line.url)
    if not routed:
        raise ClsDataError(f"no listed URL belongs to {' or '.join(config.sites)}: {notes[0]}")
    return routed


def _resolve_or_fail(urls: list[str]) -> None:
    """Fail in a second, not after minutes of retries, when no site's host name resolves."""
    import socket

    failed = []
    for url in urls:
        host = urlsplit(url).hostname or ""
        try:
            socket.getaddrinfo(host, None)
        except (socket.gaierror, UnicodeError):
            failed.append(host)
    if urls and len(failed) == len(urls):
        raise ClsDataError(f"no article could be fetched: DNS lookup failed for {', '.join(failed)} (no network?)")


def _snapshot(site: str, crawler: Any, finished: dict[str, SiteSummary], t0: float) -> Callable[..., None]:
    def on_closed(spider: Any = None, reason: str = "") -> None:
        finished[site] = SiteSummary.from_stats(site, crawler.stats.get_stats(), time.monotonic() - t0)
        finished[site].finish_reason = reason

    return on_closed
