"""A demo pair's articles served on 127.0.0.1 as a news site with no spider: structured-data pages any site has.

Each article page carries what a generic news spider reads without per-site code: `<html lang>`,
Open Graph (`og:title`, `og:description` = the lead, `og:locale`), `<meta name="description">`,
a JSON-LD `NewsArticle` (headline, description, articleBody, datePublished, inLanguage) and the
visible article. `robots.txt` names a news sitemap; `/feed.xml` is an RSS feed of the same URLs.
The LibreTranslate endpoint of `MirrorServer` (every request refused) sits beside them.
Every page is made from the pair's `articles.jsonl`: nothing here knows a language or a site.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import urlsplit

from cls_data.demo.corpus import Sample
from cls_data.demo.mirror import MirrorServer
from cls_data.records import Article

_HTML, _XML, _TEXT = "text/html; charset=utf-8", "application/xml; charset=utf-8", "text/plain; charset=utf-8"
_LOCALES = {"de": "de_DE", "en": "en_US", "id": "id_ID", "fr": "fr_FR", "es": "es_ES"}  # og:locale's usual form


def render_page(article: Article) -> str:
    """The article as a publisher's page: structured data in the head, the article in the body."""
    lang = article.lang
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.summary,
        "articleBody": article.text,
        "datePublished": article.published,
        "inLanguage": lang,
        "url": article.url,
        "publisher": {"@type": "Organization", "name": article.site},
    }
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in article.text.split("\n"))
    script = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")  # no "</script>" inside the script
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{escape(article.title)} | {escape(article.site)}</title>
<link rel="canonical" href="{escape(article.url)}">
<meta name="description" content="{escape(article.summary)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{escape(article.title)}">
<meta property="og:description" content="{escape(article.summary)}">
<meta property="og:locale" content="{_LOCALES.get(lang, lang)}">
<meta property="article:published_time" content="{article.published or ""}">
<script type="application/ld+json">{script}</script>
</head>
<body>
<nav><a href="/">{escape(article.site)}</a></nav>
<article>
<h1>{escape(article.title)}</h1>
<p class="lead"><strong>{escape(article.summary)}</strong></p>
{paragraphs}
</article>
<footer>© {escape(article.site)}</footer>
</body>
</html>
"""


def site_routes(articles: list[Article]) -> dict[str, tuple[str, str]]:
    """Path -> (content type, body): every article page, the news sitemap, the RSS feed and robots.txt."""
    routes = {urlsplit(a.url).path: (_HTML, render_page(a)) for a in articles}
    home = f"{urlsplit(articles[0].url).scheme}://{urlsplit(articles[0].url).netloc}" if articles else ""
    entries = "".join(
        f"<url><loc>{escape(a.url)}</loc><news:news><news:publication_date>{a.published}"
        f"</news:publication_date><news:title>{escape(a.title)}</news:title></news:news></url>"
        for a in articles
    )
    routes["/sitemap.xml"] = (
        _XML,
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{entries}</urlset>',
    )
    items = "".join(
        f"<item><title>{escape(a.title)}</title><link>{escape(a.url)}</link>"
        f"<description>{escape(a.summary)}</description></item>"
        for a in articles
    )
    routes["/feed.xml"] = (
        _XML,
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(home)}</title><link>{escape(home)}/</link>{items}</channel></rss>",
    )
    routes["/robots.txt"] = (_TEXT, f"User-agent: *\nAllow: /\nSitemap: {home}/sitemap.xml\n")
    links = "\n".join(f'<li><a href="{escape(a.url)}">{escape(a.title)}</a></li>' for a in articles)
    lang = articles[0].lang if articles else "en"
    routes["/"] = (
        _HTML,
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(home)}</title>"
        f'<link rel="alternate" type="application/rss+xml" href="{home}/feed.xml"></head>'
        f"<body><ul>{links}</ul></body></html>",
    )
    return routes


class PairSite(MirrorServer):
    """The pair's site on 127.0.0.1 (links keep the real host: a crawler maps it, as `--base-url` does) and the
    refusing translator."""

    def __init__(self, articles: list[Article]):
        super().__init__(Sample((), ()))
        self.routes = {path: (ctype, body.encode("utf-8")) for path, (ctype, body) in site_routes(articles).items()}
