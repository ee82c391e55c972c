"""`NewsSpider`: discovery (sitemaps, RSS, paginated listings), date bounds, limits and the parse flow.

A site spider only declares its start paths, an article URL pattern and CSS selectors (lists are
tried in order: current layout first, older layouts after). Every field falls back to JSON-LD and
then to meta tags; the rule that produced each field travels with the item for the crawl stats.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import urldefrag, urlsplit, urlunsplit

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse
from scrapy.utils.sitemap import Sitemap

from cls_data.crawl import extract as ex

SITEMAP_MAX_BYTES = 50 * 2**20


class NewsSpider(scrapy.Spider):
    """Base of every site spider; subclasses set the class attributes below and maybe a hook."""

    base_url: ClassVar[str] = ""
    sitemaps: ClassVar[tuple[str, ...]] = ()
    feeds: ClassVar[tuple[str, ...]] = ()
    listings: ClassVar[tuple[str, ...]] = ()  # paths with "{page}", page 1 first
    # The part of a listing template that page 1 leaves out ("/thoi-su-p{page}" -> "/thoi-su").
    unnumbered_page_one: ClassVar[str | None] = None
    article_path: ClassVar[str] = r"$^"  # regex searched in the URL path (and query)
    title_css: ClassVar[tuple[str, ...]] = ("h1",)
    summary_css: ClassVar[tuple[str, ...]] = ()
    summary_skip_css: ClassVar[tuple[str, ...]] = ()
    body_css: ClassVar[tuple[str, ...]] = ()
    body_skip_css: ClassVar[tuple[str, ...]] = ()
    date_css: ClassVar[tuple[str, ...]] = ()
    author_css: ClassVar[tuple[str, ...]] = ()
    category_css: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, mirror: str | None = None, urls: list[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.home = urlsplit(self.base_url)
        self.root = urlsplit(mirror.rstrip("/")) if mirror else self.home
        self.allowed_domains = [self.root.hostname or ""]
        self.urls = urls or []
        self._article_re = re.compile(self.article_path)
        self._scheduled: set[str] = set()
        self._idle_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if crawler.settings["CLS_REDIS"]:
            crawler.signals.connect(spider._redis_idle, signal=scrapy.signals.spider_idle)
        return spider

    def _redis_idle(self) -> None:
        """With a shared frontier, an empty queue may only mean that other processes are still
        fetching pages that will add more: stop only after it stayed empty for CLS_REDIS_IDLE s."""
        from scrapy.exceptions import DontCloseSpider

        now = time.monotonic()
        self._idle_since = self._idle_since or now
        if now - self._idle_since < self.settings.getfloat("CLS_REDIS_IDLE"):
            raise DontCloseSpider

    # ---- URLs -------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return urlunsplit((self.root.scheme, self.root.netloc, "", "", "")) + path

    def to_mirror(self, url: str) -> str:
        """Absolute links to the real site point at the mirror when --base-url is given."""
        parts = urlsplit(url)
        real = (self.home.hostname or "").removeprefix("www.")
        if self.root != self.home and (parts.hostname or "").removeprefix("www.") == real:
            return urlunsplit((self.root.scheme, self.root.netloc, parts.path, parts.query, ""))
        return url

    @classmethod
    def listing_path(cls, template: str, page: int) -> str:
        """Hook: the path of listing page `page`; see `unnumbered_page_one`."""
        if page == 1 and cls.unnumbered_page_one:
            return template.replace(cls.unnumbered_page_one, "")
        return template.format(page=page)

    def to_real(self, url: str) -> str:
        """Records name the real site's URL (and so the same id) whichever mirror served the page."""
        parts = urlsplit(url)
        if self.root != self.home and parts.netloc == self.root.netloc:
            return urlunsplit((self.home.scheme, self.home.netloc, parts.path, parts.query, ""))
        return url

    def is_article(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.hostname == self.root.hostname and bool(
            self._article_re.search(parts.path + ("?" + parts.query if parts.query else ""))
        )

    # ---- limits and dates --------------------------------------------------------------------
    def done(self) -> bool:
        return self.settings["CLS_BOUNDS"].reached(self.crawler.stats.get_value("cls/articles", 0))

    def in_bounds(self, day: str | None, until_too: bool = True) -> bool:
        return self.settings["CLS_BOUNDS"].admits(day, until_too)

    # ---- requests ----------------------------------------------------------------------------
    def request(self, url: str, callback: Any, **meta: Any) -> scrapy.Request:
        # Outside Redis mode the start pages are fetched on every (re)start, so a resumed crawl
        # always rediscovers; with a shared Redis frontier they are fetched once by one process.
        dont_filter = meta.pop("start", False) and not self.settings["CLS_REDIS"]
        self._idle_since = None
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta, dont_filter=dont_filter)

    def article_request(self, url: str) -> scrapy.Request | None:
        url = urldefrag(url)[0]
        if url in self._scheduled:
            return None
        self._scheduled.add(url)
        sink = self.settings["CLS_SINK"]
        # The seen-set knows a written article by its real URL (that is all a resumed output
        # tells), a fetched page by the URL it came from (a mirror's, with --base-url).
        if sink.seen("fetched", url) or sink.seen("url", url) or sink.seen("url", self.to_real(url)):
            self.crawler.stats.inc_value("cls/known")
            return None
        return self.request(url, self.parse_article)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.urls:
            for url in self.urls:
                if (req := self.article_request(self.to_mirror(url.strip()))) is not None:
                    yield req
            return
        for path in self.sitemaps:
            yield self.request(self.url(path), self.parse_sitemap, start=True, download_maxsize=self._index_maxsize())
        for path in self.feeds:
            yield self.request(self.url(path), self.parse_feed, start=True, download_maxsize=self._index_maxsize())
        for template in self.listings:
            yield self.request(
                self.url(self.listing_path(template, 1)), self.parse_listing, template=template, page=1, start=True
            )

    def _index_maxsize(self) -> int:
        """Sitemaps and feeds may be bigger than an article page: up to the 50 MB the sitemap
        protocol allows (uncompressed), or the page cap if that is higher."""
        return max(SITEMAP_MAX_BYTES, self.settings.getint("DOWNLOAD_MAXSIZE"))

    # ---- discovery ---------------------------------------------------------------------------
    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        body = response.body
        try:
            if body[:2] == b"\x1f\x8b":
                from scrapy.utils.gz import gunzip

                body = gunzip(body, max_size=self._index_maxsize())  # a gzip bomb stops at the cap
            sitemap = Sitemap(body)
        except Exception:  # noqa: BLE001 - a broken sitemap is a counted error, not a crash
            self.crawler.stats.inc_value("cls/errors/bad_sitemap")
            return
        for entry in sitemap:
            if self.done():
                return
            url = self.to_mirror(entry.get("loc", "").strip())
            if not url or not self.in_bounds(ex.parse_date(entry.get("lastmod")), until_too=False):
                continue
            if sitemap.type == "sitemapindex":
                yield self.request(url, self.parse_sitemap, download_maxsize=self._index_maxsize())
            elif self.is_article(url) and (req := self.article_request(url)):
                yield req

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        sel = Selector(text=response.text, type="xml")
        sel.remove_namespaces()
        for item in sel.xpath("//item"):
            url = self.to_mirror((item.xpath("link/text()").get() or "").strip())
            try:
                day = parsedate_to_datetime(item.xpath("pubDate/text()").get() or "").date().isoformat()
            except (TypeError, ValueError):
                day = None
            if self.is_article(url) and self.in_bounds(day) and not self.done() and (req := self.article_request(url)):
                yield req

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        found = 0
        for href in response.css("a::attr(href)").getall():
            url = self.to_mirror(response.urljoin(href.strip()))
            if self.is_article(url):
                found += 1
                if not self.done() and (req := self.article_request(url)):
                    yield req
        page = response.meta["page"]
        if found and page < self.settings.getint("CLS_MAX_PAGES") and not self.done():
            template = response.meta["template"]
            yield self.request(
                self.url(self.listing_path(template, page + 1)), self.parse_listing, template=template, page=page + 1
            )

    # ---- articles ----------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        self._idle_since = None
        response = fix_encoding(response)
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("cls/errors/not_html")
            return
        sel = response.selector
        ld = ex.json_ld(sel)
        css, fb = self.__class__, ex  # short names keep the rule table readable
        fields = {
            "title": fb.fallback_chain(
                lambda: fb.first_text(sel, css.title_css),
                lambda: fb.jsonld_text(ld, "headline"),
                lambda: (fb.meta(sel, "og:title"), "og:title"),
                lambda: (fb.normalize(sel.css("title::text").get() or ""), "title"),
            ),
            "summary": fb.fallback_chain(
                lambda: fb.first_text(sel, css.summary_css, css.summary_skip_css),
                lambda: fb.jsonld_text(ld, "description"),
                lambda: (fb.meta(sel, "og:description"), "og:description"),
                lambda: (fb.meta(sel, "description"), "meta:description"),
            ),
            "text": fb.fallback_chain(
                lambda: fb.paragraphs(sel, css.body_css, css.body_skip_css),
                lambda: fb.jsonld_text(ld, "articleBody", True),
                lambda: fb.container_paragraphs(sel, "article", (*css.body_skip_css, *css.summary_css)),
            ),
            "published": fb.fallback_chain(
                lambda: fb.date_from(sel, css.date_css),
                lambda: (fb.parse_date(ld.get("datePublished")), "json-ld:datePublished"),
                lambda: (
                    fb.parse_date(fb.meta(sel, "article:published_time", "datePublished", "pubdate")),
                    "meta:published_time",
                ),
            ),
        }
        author = ex.first_text(sel, self.author_css)[0] or ex.author_name(ld.get("author"))
        category = ex.first_text(sel, self.category_css)[0] or ex.meta(sel, "article:section")
        if not category and isinstance(ld.get("articleSection"), str):
            category = ld["articleSection"]
        item = {name: value for name, (value, _) in fields.items()}
        item.update(
            url=self.to_real(ex.canonical_url(sel, response.url)),
            site=self.name,
            author=author,
            category=category,
            _fetched=response.request.url if response.request else response.url,
            _rules={name: rule or "none" for name, (_, rule) in fields.items()},
        )
        yield self.finish(item, response)

    def finish(self, item: dict[str, Any], response: TextResponse) -> dict[str, Any]:
        """Hook for a site's last touches to an extracted item."""
        return item

    def on_error(self, failure: Any) -> None:
        kind, message = describe_failure(failure)
        if kind == "page_too_large":  # not a failure to fetch: a page we refuse, like a bad article
            request = failure.request
            self.crawler.stats.inc_value("cls/dropped/page_too_large")
            if request.callback == self.parse_article:  # remembered: a rerun does not download it again
                item = {"url": self.to_real(request.url), "site": self.name, "detail": message}
                self.settings["CLS_SINK"].reject("page_too_large", item, [("fetched", request.url)])
            return
        self.crawler.stats.inc_value(f"cls/errors/{kind}")
        if not self.crawler.stats.get_value("cls/first_error"):
            self.crawler.stats.set_value("cls/first_error", message)


def describe_failure(failure: Any) -> tuple[str, str]:
    """A stats key and a one-line message for a failed request."""
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadCancelledError,
        DownloadConnectionRefusedError,
        DownloadTimeoutError,
        IgnoreRequest,
        ResponseDataLossError,
    )
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

    exc = failure.value
    url = getattr(getattr(failure, "request", None), "url", "") or getattr(getattr(exc, "response", None), "url", "")
    if isinstance(exc, IgnoreRequest) and "robots" in str(exc).lower():
        return "robots_forbidden", f"robots.txt forbids {url}"
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}", f"HTTP {exc.response.status} for {exc.response.url}"
    if isinstance(exc, (DNSLookupError, CannotResolveHostError)):
        return "dns", f"DNS lookup failed for {urlsplit(url).hostname or url} (no network?)"
    if isinstance(exc, (TimeoutError, TCPTimedOutError, DownloadTimeoutError)):
        return "timeout", f"timed out fetching {url}"
    if isinstance(exc, DownloadCancelledError):  # Scrapy's HTTP/1.1 handler cancels only over DOWNLOAD_MAXSIZE
        return "page_too_large", f"page larger than --max-page-mb: {url}"
    if isinstance(exc, ResponseDataLossError):
        return "data_loss", f"connection closed before the whole page arrived: {url}"
    if isinstance(exc, (ConnectionRefusedError, DownloadConnectionRefusedError)):
        return "connection", f"connection refused by {urlsplit(url).netloc or url}"
    return "other", f"{type(exc).__name__} fetching {url}: {str(exc)[:200]}"


def fix_encoding(response: Response) -> Response:
    """Re-decode a page as UTF-8 when its header names another charset but the bytes are UTF-8."""
    if not isinstance(response, TextResponse) or response.encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        return response
    body = response.body
    if body.isascii():
        return response
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return response
    return response.replace(encoding="utf-8")
