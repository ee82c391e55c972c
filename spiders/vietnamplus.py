"""VietnamPlus (vietnamplus.vn, TTXVN): `div.article__sapo`, monthly sitemaps from /sitemap.xml."""

from cls_data.crawl.spider import NewsSpider


class VietnamPlusSpider(NewsSpider):
    name = "vietnamplus"
    base_url = "https://www.vietnamplus.vn"
    sitemaps = ("/sitemap.xml",)
    article_path = r"(-post\d+\.vnp|\.vnp\d*\.html?)$"
    title_css = ("h1.article__title", "h1.details__headline")
    summary_css = ("div.article__sapo", "div.details__summary")
    body_css = ("div.article__body", "div.content.article-body")
    body_skip_css = ("div.article__relate", "div.story--relate")
    date_css = ("time.time", "div.article__meta time")
    author_css = ("div.article__author a.name", "div.author")
    category_css = ("div.breadcrumb a:nth-child(2)",)
