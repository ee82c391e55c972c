"""`GenericSpider`: a site with no spider of its own, crawled from its robots.txt, sitemaps, feeds
and listing pages, its articles extracted by `cls_data.crawl.generic` (no per-site code).

A site is data (`SiteDef`: from sites.toml, `--site URL --lang LANG`, or the host of `--urls`);
`spider_for(site)` makes its Scrapy spider class. Politeness, cache, resume, limits, the pipelines
and their drop reasons are the NewsSpider's.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse

from cls_data.crawl import extract as ex
from cls_data.crawl.generic import Selectors, extract_page, parse_when
from cls_data.crawl.spider import NewsSpider, fix_encoding
from cls_data.text import base_language

# Path segments of pages that list or describe, never tell a story.
_NOT_ARTICLE = {
    "tag",
    "tags",
    "category",
    "categories",
    "author",
    "authors",
    "topic",
    "topics",
    "search",
    "login",
    "signin",
    "register",
    "subscribe",
    "page",
    "feed",
    "feeds",
    "rss",
    "about",
    "contact",
    "privacy",
    "terms",
    "newsletter",
    "newsletters",
    "account",
    "cart",
    "shop",
    "wp-admin",
    "wp-login.php",
    "cdn-cgi",
}
_ASSET = re.compile(r"\.(jpe?g|png|gif|webp|svg|ico|css|js|pdf|zip|mp[34]|xml|rss|json|txt|gz)$", re.IGNORECASE)
_SLUG_WORD = re.compile(r"[^\W\d_]{2,}")
_NEXT_TEXT = re.compile(
    r"^\s*(next|older|weiter|suivant|siguiente|próxima|successiv|volgende|следующая|"
    r"selanjutnya|berikutnya|tiếp|trang sau|下一页|下一頁|次へ|次のページ|다음|ถัดไป|»|›|>>|→)",
    re.IGNORECASE,
)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml", "text/xml")


@dataclass(frozen=True)
class SiteDef:
    """A site crawled by the generic spider: its name, where discovery starts, its language."""

    name: str
    base_url: str  # scheme://host of the site
    lang: str | None = None  # None: each page's declared language (pages declaring none are dropped)
    start: tuple[str, ...] = ()  # home/section pages, feeds or sitemaps (sniffed), absolute URLs
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    article_path: str | None = None  # regex searched in the URL path; None: the generic URL rule
    selectors: Selectors = field(default_factory=Selectors)
    source: str = ""  # where it was declared ("sites.toml: site[2]"), for messages


def looks_like_article(path: str) -> bool:
    """The generic URL rule: a story's URL has a slug of several words, a long number or a date."""
    path = unquote(path)
    segments = [s for s in path.split("/") if s]
    if not segments or _ASSET.search(path) or any(s.lower() in _NOT_ARTICLE for s in segments):
        return False
    last = re.sub(r"\.(s?html?|php|aspx?|cms|vnp)$", "", segments[-1], flags=re.IGNORECASE)
    words = _SLUG_WORD.findall(last.replace("-", " ").replace("_", " "))
    return (
        len(words) >= 3
        or bool(re.search(r"\d{5,}", path))
        or bool(re.search(r"/(19|20)\d\d/\d\d?/", path))
        or (len(last) >= 20 and not last.isascii())
    )


class GenericSpider(NewsSpider):
    """The spider of a `SiteDef` (set as `site` on the subclass that `spider_for` makes)."""

    site: SiteDef

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._article_re = re.compile(self.site.article_path) if self.site.article_path else None
        self._feeds_seen: set[str] = set()

    def is_article(self, url: str) -> bool:
        parts = urlsplit(url)
        if (parts.hostname or "").removeprefix("www.") != (self.root.hostname or "").removeprefix("www."):
            return False
        if self._article_re is not None:
            return bool(self._article_re.search(parts.path + ("?" + parts.query if parts.query else "")))
        return looks_like_article(parts.path)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.urls:
            async for request in super().start():
                yield request
            return
        maxsize = self._index_maxsize()
        # A site without robots.txt (404) is no error: its sitemap is looked for at /sitemap.xml.
        yield self.request(
            self.url("/robots.txt"), self.parse_robots, start=True, dont_obey_robotstxt=True, handle_httpstatus_all=True
        )
        for url in self.site.sitemaps:
            yield self.request(self.to_mirror(url), self.parse_sitemap, start=True, download_maxsize=maxsize)
        for url in self.site.feeds:
            yield self.request(self.to_mirror(url), self.parse_feed, start=True, download_maxsize=maxsize)
        for url in self.site.start:
            yield self.request(self.to_mirror(url), self.parse_start, start=True, page=1, download_maxsize=maxsize)

    # ---- discovery ---------------------------------------------------------------------------
    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        """The sitemaps robots.txt lists (`Sitemap:` lines); none listed: /sitemap.xml."""
        text = response.text if isinstance(response, TextResponse) and response.status == 200 else ""
        listed = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.lower().startswith("sitemap:")]
        for url in listed:
            yield self.request(self.to_mirror(url), self.parse_sitemap, download_maxsize=self._index_maxsize())
        if not listed and not self.site.sitemaps:  # a guess: its absence is no error
            yield self.request(
                self.url("/sitemap.xml"),
                self.parse_guessed_sitemap,
                handle_httpstatus_all=True,
                download_maxsize=self._index_maxsize(),
            )

    def parse_guessed_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if response.status == 200 and re.search(rb"<(urlset|sitemapindex)\b", response.body[:2048]):
            yield from self.parse_sitemap(response)

    def parse_start(self, response: Response) -> Iterator[scrapy.Request]:
        """A start URL may be a sitemap, a feed or a page that lists articles: look at what came."""
        head = response.body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head[:2] == b"\x1f\x8b" or re.search(rb"<(urlset|sitemapindex)\b", head):
            yield from self.parse_sitemap(response)
        elif re.search(rb"<(rss|feed|rdf:RDF)\b", head):
            yield from self.parse_feed(response)
        else:
            yield from self.parse_listing(response)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        """RSS 2.0 items and Atom entries (link and publication date)."""
        sel = Selector(
            text=response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace"),
            type="xml",
        )
        sel.remove_namespaces()
        entries = [
            (i.xpath("link/text()").get(), i.xpath("pubDate/text()").get() or i.xpath("date/text()").get())
            for i in sel.xpath("//item")
        ]
        entries += [
            (
                e.xpath("link[not(@rel) or @rel='alternate']/@href").get(),
                e.xpath("published/text()").get() or e.xpath("updated/text()").get(),
            )
            for e in sel.xpath("//entry")
        ]
        for link, when in entries:
            url = self.to_mirror(response.urljoin((link or "").strip()))
            if (
                self.is_article(url)
                and self.in_bounds(_day(when))
                and not self.done()
                and (req := self.article_request(url))
            ):
                yield req

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """Article links of a listing page, the feeds it advertises, and its next page (up to --max-pages)."""
        if not isinstance(response, TextResponse):
            return
        for link in response.css("link[rel=alternate][href]"):
            feed = self.to_mirror(response.urljoin(link.attrib["href"].strip()))
            if link.attrib.get("type") in _FEED_TYPES and feed not in self._feeds_seen:
                self._feeds_seen.add(feed)
                yield self.request(feed, self.parse_feed, download_maxsize=self._index_maxsize())
        for href in response.css("a::attr(href)").getall():
            url = self.to_mirror(response.urljoin(href.strip()))
            if self.is_article(url) and not self.done() and (req := self.article_request(url)):
                yield req
        page = response.meta.get("page", 1)
        if page < self.settings.getint("CLS_MAX_PAGES") and not self.done() and (nxt := self._next_page(response)):
            yield self.request(nxt, self.parse_listing, page=page + 1)

    def _next_page(self, response: TextResponse) -> str | None:
        href = response.css("link[rel=next]::attr(href), a[rel~=next]::attr(href)").get()
        if not href:
            for link in response.css("a[href]"):
                label = ex.text_of(link) or link.attrib.get("aria-label") or ""
                if len(label) <= 24 and _NEXT_TEXT.match(label):  # "Next »", not "Next-generation batteries ..."
                    href = link.attrib["href"]
                    break
        if not href:
            return None
        url = self.to_mirror(response.urljoin(href.strip()))
        return url if urlsplit(url).hostname == self.root.hostname and url != response.url else None

    # ---- articles ----------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        self._idle_since = None
        response = fix_encoding(response)
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("cls/errors/not_html")
            return
        page = extract_page(response.text, response.url, self.site.selectors, self.site.lang)
        fetched = response.request.url if response.request else response.url
        item = {
            "title": page.title,
            "summary": page.lead,
            "text": page.body,
            "published": page.published,
            "url": self.to_real(ex.canonical_url(response.selector, response.url)),
            "site": self.name,
            "author": page.author,
            "category": page.category,
            "lang": page.lang,
            "_fetched": fetched,
            "_rules": {k: v for k, v in page.rules.items()},
        }
        reason = self._language_reason(page.lang)
        if reason:  # not an article of this crawl: counted and remembered like a pipeline drop
            self.crawler.stats.inc_value(f"cls/dropped/{reason}")
            self.settings["CLS_SINK"].reject(
                reason, {**item, "detail": f"page language {page.lang}"}, [("fetched", fetched)]
            )
            return
        yield item

    def _language_reason(self, lang: str | None) -> str | None:
        if not lang:
            return "no_language"  # neither the page nor the site says: give --lang (or lang in sites.toml)
        if self.site.lang and base_language(lang) != base_language(self.site.lang):
            return "other_language"  # a multilingual publisher's page in another language
        return None


def spider_for(site: SiteDef) -> type[GenericSpider]:
    """The Scrapy spider class of one generic site."""
    cls_name = "Generic_" + re.sub(r"\W", "_", site.name)
    attrs = {
        "name": site.name,
        "base_url": site.base_url,
        "site": site,
        "__module__": __name__,
        "__doc__": f"Generic spider of {site.name} ({site.source or site.base_url}).",
    }
    return type(cls_name, (GenericSpider,), attrs)


def _day(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError):
        parsed = parse_when(value)
        return parsed[:10] if parsed else None
