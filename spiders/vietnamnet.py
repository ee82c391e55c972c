"""VietNamNet (vietnamnet.vn): `h2.content-detail-sapo`, body `div.maincontent p`."""

from cls_data.crawl.spider import NewsSpider


class VietNamNetSpider(NewsSpider):
    name = "vietnamnet"
    base_url = "https://vietnamnet.vn"
    sitemaps = ("/sitemap.xml",)
    unnumbered_page_one = "-page{page}"
    listings = ("/thoi-su-page{page}", "/kinh-doanh-page{page}")
    article_path = r"-\d{6,8}\.html$"
    title_css = ("h1.content-detail-title", "h1.title")
    summary_css = ("h2.content-detail-sapo", "div.bold.ArticleLead p", "div.ArticleLead")
    body_css = ("div.maincontent p", "div#ArticleContent p")
    body_skip_css = ("div.article-relate", "table.ArticleInline")
    date_css = ("div.bread-crumb-detail__time", "span.ArticleDate")
    author_css = ("p.article-detail-author__info span.name", "div.newsFeature__author-info a")
    category_css = ("div.bread-crumb-detail li:nth-child(2) a",)
