"""VnExpress (vnexpress.net): sapo in `p.description`, body in `article.fck_detail p.Normal`."""

from cls_data.crawl.spider import NewsSpider


class VnExpressSpider(NewsSpider):
    name = "vnexpress"
    base_url = "https://vnexpress.net"
    feeds = ("/rss/thoi-su.rss", "/rss/kinh-doanh.rss", "/rss/khoa-hoc.rss")
    unnumbered_page_one = "-p{page}"
    listings = ("/thoi-su-p{page}", "/kinh-doanh-p{page}", "/giao-duc-p{page}")
    article_path = r"-\d{6,8}\.html$"
    title_css = ("h1.title-detail", "h1.title_news_detail")  # current, then the pre-2020 layout
    summary_css = ("p.description", "h2.description", "h2.sapo")
    summary_skip_css = ("span.location-stamp",)  # "HÀ NỘI" stamp, printed before the lead
    body_css = ("article.fck_detail p.Normal", "div.fck_detail p.Normal", "article.content_detail p.Normal")
    date_css = ("span.date", "span.time")
    author_css = ("article.fck_detail p.author_mail strong", "article.fck_detail p.Normal[style*=right] strong")
    category_css = ("ul.breadcrumb li:first-child a",)
