"""`cls-data crawl`: collect news articles with their lead summaries as Article JSONL (site spiders or the generic
one)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from cls_data.cli.console import err, out
from cls_data.crawl.config import DEFAULT_USER_AGENT  # no Scrapy import: --help stays fast


def crawl(
    site: Annotated[
        list[str] | None,
        typer.Option(
            "--site",
            "-s",
            metavar="NAME|URL",
            rich_help_panel="What to crawl",
            help="Spider name (repeatable; see --list), or the URL of a site with no spider (with --lang). One of "
            "--site, --sites, --all or --urls is required.",
        ),
    ] = None,
    sites_file: Annotated[
        Path | None,
        typer.Option(
            "--sites",
            metavar="TOML",
            rich_help_panel="What to crawl",
            help="Crawl the sites declared in this sites.toml with the generic spider (docs/generic-crawl.md).",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="LANG",
            rich_help_panel="What to crawl",
            help="Language of a --site URL or of --urls pages of sites with no spider (default: each page's declared "
            "language).",
        ),
    ] = None,
    all_sites: Annotated[
        bool, typer.Option("--all", rich_help_panel="What to crawl", help="Crawl every site.")
    ] = False,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            rich_help_panel="Output and resume",
            help="Article JSONL to append to. [required unless --list]",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, rich_help_panel="What to crawl", help="Stop a site after N articles."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="YYYY-MM-DD",
            rich_help_panel="What to crawl",
            help="Only articles published on or after YYYY-MM-DD.",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="YYYY-MM-DD",
            rich_help_panel="What to crawl",
            help="Only articles published on or before YYYY-MM-DD.",
        ),
    ] = None,
    job_dir: Annotated[
        Path | None,
        typer.Option(
            "--job-dir",
            rich_help_panel="Output and resume",
            help="Scrapy JOBDIR: pause with Ctrl-C, resume with the same command.",
        ),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            rich_help_panel="Output and resume",
            help="Write every dropped page (with its reason) as JSONL here.",
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            rich_help_panel="What to crawl",
            help="Crawl a mirror of the site (same paths, other host).",
        ),
    ] = None,
    urls: Annotated[
        Path | None,
        typer.Option(
            "--urls",
            rich_help_panel="What to crawl",
            help="Crawl exactly the article URLs listed in this file (one a line).",
        ),
    ] = None,
    list_only: Annotated[
        bool,
        typer.Option("--list", rich_help_panel="What to crawl", help="List the spiders and their domains, then exit."),
    ] = False,
    max_pages: Annotated[
        int,
        typer.Option(
            "--max-pages", min=1, rich_help_panel="What to crawl", help="Listing pages to follow per category."
        ),
    ] = 50,
    user_agent: Annotated[
        str,
        typer.Option(
            "--user-agent",
            rich_help_panel="Politeness and network",
            help="User-Agent with a contact address (set yours).",
        ),
    ] = DEFAULT_USER_AGENT,
    no_throttle: Annotated[
        bool,
        typer.Option(
            "--no-throttle",
            rich_help_panel="Politeness and network",
            help="Turn AutoThrottle and the download delay off (mirrors, benchmarks).",
        ),
    ] = False,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency", min=1, rich_help_panel="Politeness and network", help="Parallel requests per site."
        ),
    ] = 4,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", min=0.1, rich_help_panel="Politeness and network", help="Download timeout in seconds."
        ),
    ] = 30.0,
    retries: Annotated[
        int,
        typer.Option(
            "--retries", min=0, rich_help_panel="Politeness and network", help="Retries on timeouts, 429 and 5xx."
        ),
    ] = 3,
    max_retry_after: Annotated[
        float,
        typer.Option(
            "--max-retry-after",
            min=0,
            rich_help_panel="Politeness and network",
            help="Longest Retry-After wait honoured, seconds.",
        ),
    ] = 120.0,
    min_body_words: Annotated[
        int,
        typer.Option(
            "--min-body-words", min=0, rich_help_panel="Record checks", help="Drop articles with a shorter body."
        ),
    ] = 60,
    min_summary_words: Annotated[
        int,
        typer.Option(
            "--min-summary-words",
            min=0,
            max=150,
            rich_help_panel="Record checks",
            help="Drop articles with a shorter summary.",
        ),
    ] = 8,
    max_page_mb: Annotated[
        float,
        typer.Option(
            "--max-page-mb",
            min=0.01,
            rich_help_panel="Record checks",
            help="Cancel a bigger download and count it as dropped (page_too_large).",
        ),
    ] = 10.0,
    max_record_chars: Annotated[
        int,
        typer.Option(
            "--max-record-chars",
            min=1,
            rich_help_panel="Record checks",
            help="Drop an article whose title, summary and body are longer together (record_too_long).",
        ),
    ] = 100_000,
    redis_url: Annotated[
        str | None,
        typer.Option(
            "--redis-url",
            metavar="URL",
            rich_help_panel="Distributed crawl",
            help="Share one frontier between processes via scrapy-redis, e.g. redis://host:6379/0.",
        ),
    ] = None,
    redis_idle: Annotated[
        float,
        typer.Option(
            "--redis-idle",
            min=0,
            rich_help_panel="Distributed crawl",
            help="With --redis-url: stop after the shared frontier stayed empty this long (s).",
        ),
    ] = 30.0,
) -> None:
    """Crawl news sites into Article JSONL (resumable, deduplicated), with a summary next to the output."""
    from cls_data.crawl import CrawlConfig, list_spiders, run_crawl
    from cls_data.crawl.config import DEFAULT_DOWNLOAD_DELAY, Limits
    from cls_data.crawl.runner import summary_path
    from cls_data.errors import ClsDataError

    if list_only:
        _print_spiders(list_spiders())
        return
    if out_file is None:
        raise ClsDataError("--out FILE is required")
    names = [name for name, _ in list_spiders()] if all_sites else list(site or [])
    config = CrawlConfig(
        sites=names,
        out=out_file,
        limit=limit,
        since=since,
        until=until,
        job_dir=job_dir,
        rejects=rejects,
        redis_url=redis_url,
        redis_idle=redis_idle,
        base_url=base_url,
        urls_file=urls,
        sites_file=sites_file,
        lang=lang,
        user_agent=user_agent,
        limits=Limits(
            min_body_words=min_body_words, min_summary_words=min_summary_words, max_record_chars=max_record_chars
        ),
        max_pages=max_pages,
        max_page_mb=max_page_mb,
        autothrottle=not no_throttle,
        concurrency_per_domain=concurrency,
        download_delay=0.0 if no_throttle else DEFAULT_DOWNLOAD_DELAY,
        timeout=timeout,
        retries=retries,
        max_retry_after=max_retry_after,
    )
    live = _live_progress() if err.is_terminal else None
    try:
        summary = run_crawl(config, on_progress=live.update if live else None)
    finally:
        if live:
            live.stop()
    _print_summary(summary, out_file)
    err.print(f"summary: {summary_path(out_file)}", soft_wrap=True)
    for note in summary.notes:
        err.print(f"[bold yellow]warning:[/] {escape(note)}", soft_wrap=True)


def _print_spiders(spiders: list[tuple[str, str]]) -> None:
    table = Table(title="spiders")
    table.add_column("site")
    table.add_column("domain")
    for name, domain in spiders:
        table.add_row(name, domain)
    out.print(table)


def _print_summary(summary: Any, out_file: Path) -> None:
    """One row per site (articles, pages, rate, drops, errors, why it stopped), then what each dropped."""
    table = Table(title=f"crawl · {summary.articles} articles · {summary.elapsed_s:.1f}s → {out_file}")
    for column in ("site", "articles", "pages", "articles/s", "dropped", "errors", "finish"):
        table.add_column(column, justify="left" if column in ("site", "finish") else "right")
    for s in summary.sites:
        table.add_row(
            s.site,
            str(s.articles),
            str(s.pages),
            f"{s.rate:.1f}",
            str(sum(s.dropped.values())),
            str(sum(s.errors.values())),
            s.finish_reason or "",
        )
    out.print(table)
    for s in summary.sites:
        if s.dropped or s.errors:
            out.print(f"{s.site}: dropped {_counts(s.dropped)}; errors {_counts(s.errors)}", soft_wrap=True)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) or "-"


class _live_progress:
    """One status line on stderr: articles, articles/s and drops by reason, refreshed twice a second."""

    def __init__(self):
        from rich.live import Live

        self.live = Live("starting crawl…", console=err, transient=True, refresh_per_second=4)
        self.live.start()

    def update(self, sites) -> None:
        articles = sum(s.articles for s in sites)
        elapsed = max((s.elapsed_s for s in sites), default=0.0) or 1e-9
        dropped: dict[str, int] = {}
        for s in sites:
            for reason, n in s.dropped.items():
                dropped[reason] = dropped.get(reason, 0) + n
        pages = sum(s.pages for s in sites)
        from rich.text import Text

        line = (
            f"[bold]{articles}[/] articles · {articles / elapsed:.1f}/s · {pages} pages · dropped: {_counts(dropped)}"
        )
        self.live.update(Text.from_markup(line, overflow="ellipsis", no_wrap=True))

    def stop(self) -> None:
        self.live.stop()
