"""Dân trí (dantri.com.vn): sapo opens with "(Dân trí) - "; sitemaps under /sitemaps/, category pages as listings.

Each selector tuple: the 2026 layout (parts marked with `data-slot`), then the older ones.
"""

from cls_data.crawl.spider import NewsSpider


class DanTriSpider(NewsSpider):
    name = "dantri"
    base_url = "https://dantri.com.vn"
    sitemaps = ("/sitemaps/sitemap.xml",)
    # A category page links ~47 articles: a missing or blocked sitemap does not stop a crawl.
    unnumbered_page_one = "/trang-{page}"
    listings = ("/xa-hoi/trang-{page}.htm", "/kinh-doanh/trang-{page}.htm", "/the-gioi/trang-{page}.htm")
    article_path = r"/[a-z0-9-]+/[a-z0-9-]+-\d{17}\.htm$"
    title_css = ("h1[data-slot=title]", "h1.title-page", "h1.e-magazine__title", "h1.dt-news__title")
    summary_css = ("h2[data-slot=sapo]", "h2.singular-sapo", "div.e-magazine__sapo", "div.dt-news__sapo h2")
    body_css = ("div[data-slot=content]", "div.singular-content", "div.e-magazine__body", "div.dt-news__content")
    body_skip_css = ("article.article-related", "div.dt-news__content-footer")
    date_css = ("time[datetime]", "span.dt-news__time")
    author_css = ("[data-slot=author] b", "div.author-name b", "div.author-wrap a")
    category_css = ("[data-slot=breadcrumb] li:nth-child(2) a", "ul.dt-breadcrumb li:nth-child(2) a")
