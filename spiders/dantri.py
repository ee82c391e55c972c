"""Dân trí (dantri.com.vn): `h2.singular-sapo` opens with "(Dân trí) - "; sitemaps under /sitemaps/."""

from cls_data.crawl.spider import NewsSpider


class DanTriSpider(NewsSpider):
    name = "dantri"
    base_url = "https://dantri.com.vn"
    sitemaps = ("/sitemaps/sitemap.xml",)
    article_path = r"/[a-z0-9-]+/[a-z0-9-]+-\d{17}\.htm$"
    title_css = ("h1.title-page", "h1.e-magazine__title", "h1.dt-news__title")
    summary_css = ("h2.singular-sapo", "div.e-magazine__sapo", "div.dt-news__sapo h2")
    body_css = ("div.singular-content", "div.e-magazine__body", "div.dt-news__content")
    body_skip_css = ("article.article-related", "div.dt-news__content-footer")
    date_css = ("time[datetime]", "span.dt-news__time")
    author_css = ("div.author-name b", "div.author-wrap a")
    category_css = ("ul.dt-breadcrumb li:nth-child(2) a",)
