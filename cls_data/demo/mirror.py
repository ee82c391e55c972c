"""The sample served on 127.0.0.1: news pages in each site's real markup, and a translator that refuses.

Every route the spiders start from (listings with pagination, RSS feeds, sitemaps, robots.txt)
answers as on the real site, with links to the real host, which `--base-url` maps to the mirror.
Under /libretranslate/ sits a LibreTranslate endpoint that answers every request with 503: the
demo's translations all come from the cache, and a miss must fail loudly, never reach a network.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from string import Template

from cls_data.demo.corpus import SAMPLE_DIR, SITE_URLS, Sample, SampleArticle, slugify

PER_PAGE = 6  # articles per listing page: the sample's listings run to two pages and an empty third
TRANSLATOR_PATH = "/libretranslate"
_WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")
_HTML = "text/html; charset=utf-8"
_XML = "application/xml; charset=utf-8"


class _Site:
    """How one site lays out its pages; the spider of the same name reads them."""

    def __init__(
        self, name: str, listings: tuple[str, ...], feeds: tuple[str, ...], sitemap: str | None, page_one: str | None
    ):
        self.name, self.listings, self.feeds, self.sitemap, self.page_one = name, listings, feeds, sitemap, page_one
        self.home = SITE_URLS[name][0]
        self.suffix = ".htm" if name == "tuoitre" else ""  # section pages: /thoi-su vs /thoi-su.htm
        self.template = Template((SAMPLE_DIR / "templates" / f"{name}_article.html").read_text(encoding="utf-8"))

    def listing_path(self, template: str, page: int) -> str:
        if page == 1 and self.page_one:
            return template.replace(self.page_one, "")
        return template.format(page=page)


# The listings, feeds and sitemaps that spiders/vnexpress.py and spiders/tuoitre.py start from.
SITES = {
    "vnexpress": _Site(
        "vnexpress",
        ("/thoi-su-p{page}", "/kinh-doanh-p{page}", "/giao-duc-p{page}"),
        ("/rss/thoi-su.rss", "/rss/kinh-doanh.rss", "/rss/khoa-hoc.rss"),
        None,
        "-p{page}",
    ),
    "tuoitre": _Site(
        "tuoitre", ("/timeline/3/trang-{page}.htm", "/timeline/11/trang-{page}.htm"), (), "/sitemap.xml", None
    ),
}


def _date_text(site: str, when: datetime) -> str:
    if site == "vnexpress":
        return f"{_WEEKDAYS[when.weekday()]}, {when.day}/{when.month}/{when.year}, {when:%H:%M} (GMT+7)"
    return f"{when:%d/%m/%Y %H:%M} GMT+7"


def render_article(article: SampleArticle, related: list[SampleArticle]) -> str:
    site = SITES[article.site]
    if article.site == "vnexpress":
        body = "\n".join(f'<p class="Normal">{escape(p)}</p>' for p in article.body)
        links = "".join(
            f'<article class="item-news"><p class="description"><a href="{r.url}">{escape(r.title)}</a></p></article>'
            for r in related
        )
    else:
        body = "\n".join(f"    <p>{escape(p)}</p>" for p in article.body)
        links = "".join(f'<li><a href="{r.path}">{escape(r.title)}</a></li>' for r in related)
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.sapo,
        "datePublished": article.published.isoformat(),
        "author": {"@type": "Person", "name": article.author},
        "articleSection": article.category,
        "mainEntityOfPage": article.url,
    }
    return site.template.substitute(
        title=escape(article.title),
        sapo=escape(article.sapo),
        url=article.url,
        body=body,
        related=links,
        author=escape(article.author),
        category=escape(article.category),
        category_href=f"/{slugify(article.category)}{site.suffix}",
        date_iso=article.published.isoformat(),
        date_text=_date_text(article.site, article.published),
        jsonld=json.dumps(ld, ensure_ascii=False).replace("</", "<\\/"),
    )


def _listing_page(site: _Site, articles: list[SampleArticle]) -> str:
    if site.name == "vnexpress":  # absolute links to the real host, as vnexpress.net prints them
        items = "".join(
            f'<article class="item-news item-news-common"><h3 class="title-news"><a href="{a.url}" '
            f'title="{escape(a.title)}">'
            f'{escape(a.title)}</a></h3><p class="description"><a href="{a.url}">{escape(a.sapo)}</a></p></article>\n'
            for a in articles
        )
        return (
            f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>VnExpress</title></head><body>'
            '<nav><a href="/">Trang chủ</a></nav><div class="width_common '
            f'list-news-subfolder">\n{items}</div></body></html>'
        )
    items = "".join(
        f'<div class="box-category-item"><h3 class="box-title-text"><a class="box-category-link-title" href="{a.path}"'
        f' title="{escape(a.title)}">{escape(a.title)}</a></h3><p '
        f'class="box-category-sapo">{escape(a.sapo)}</p></div>\n'
        for a in articles
    )
    return f'<div class="box-category-middle">\n{items}</div>'  # Tuổi Trẻ's timelines are HTML fragments


def _rss(site: _Site, articles: list[SampleArticle]) -> str:
    items = "".join(
        f"<item><title>{escape(a.title)}</title><link>{a.url}</link>"
        f"<pubDate>{a.published:%a, %d %b %Y %H:%M:%S %z}</pubDate><description>{escape(a.sapo)}</description></item>"
        for a in articles
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>VnExpress RSS</title>'
        f"<link>{site.home}</link>{items}</channel></rss>"
    )


def routes(sample: Sample) -> dict[str, tuple[str, bytes]]:
    """Path -> (content type, body) for every page of the mirror."""
    pages: dict[str, str | tuple[str, str]] = {
        "/robots.txt": ("text/plain; charset=utf-8", "User-agent: *\nDisallow: /private/\n")
    }
    for name in sample.sites:
        site, articles = SITES[name], sample.of_site(name)
        for i, article in enumerate(articles):
            pages[article.path] = render_article(article, [articles[(i + k) % len(articles)] for k in (1, 2)])
        # Each article is linked from one listing (round robin), and from the feed of the same rank.
        sections = [articles[k :: len(site.listings)] for k in range(len(site.listings))]
        for template, section in zip(site.listings, sections, strict=False):
            chunks = [section[i : i + PER_PAGE] for i in range(0, len(section), PER_PAGE)] + [[]]
            for page, chunk in enumerate(chunks, start=1):
                pages[site.listing_path(template, page)] = _listing_page(site, chunk)
        for feed, section in zip(site.feeds, sections, strict=False):
            pages[feed] = (_XML, _rss(site, section))
        if site.sitemap:
            child = f"/sitemaps/{name}-{articles[-1].published:%Y-%m}.xml"
            pages[site.sitemap] = (
                _XML,
                '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{site.home}{child}</loc><lastmod>{articles[-1].published.date()}</lastmod></sitemap></sitemapindex>",
            )
            urls = "".join(f"<url><loc>{a.url}</loc><lastmod>{a.published.date()}</lastmod></url>" for a in articles)
            pages[child] = (
                _XML,
                f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
            )
    return {path: (page if isinstance(page, tuple) else (_HTML, page)) for path, page in pages.items()}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


class MirrorServer:
    """Serves the sample on 127.0.0.1 (ephemeral port) in a thread; counts requests to the translator."""

    def __init__(self, sample: Sample):
        self.routes = {path: (ctype, body.encode("utf-8")) for path, (ctype, body) in routes(sample).items()}
        self.translator_requests = 0
        self.pages_served = 0
        self._lock = threading.Lock()

    @property
    def translator_url(self) -> str:
        return self.base_url + TRANSLATOR_PATH

    def __enter__(self) -> MirrorServer:
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                path = self.path.split("?", 1)[0]
                if path.startswith(TRANSLATOR_PATH):
                    if path.endswith("/translate"):  # /languages is asked too, and answered the same
                        with mirror._lock:
                            mirror.translator_requests += 1
                    size = int(self.headers.get("Content-Length") or 0)
                    self.rfile.read(size)
                    return self._send(
                        503, "application/json", b'{"error": "the cls-data demo translates from its cache only"}'
                    )
                ctype, body = mirror.routes.get(path, (_HTML, b""))
                with mirror._lock:
                    mirror.pages_served += 1
                self._send(200 if body else 404, ctype, body or b"<h1>404</h1>")

            do_GET = do_POST = _answer  # noqa: N815

            def _send(self, status: int, ctype: str, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="cls-data-demo-mirror", daemon=True
        )
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
