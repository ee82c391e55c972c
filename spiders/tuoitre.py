"""Tuổi Trẻ (tuoitre.vn): the shared detail-* CMS; sapo opens with "TTO - "."""

from cls_data.crawl.spider import NewsSpider


class TuoiTreSpider(NewsSpider):
    name = "tuoitre"
    base_url = "https://tuoitre.vn"
    sitemaps = ("/sitemap.xml",)
    listings = ("/timeline/3/trang-{page}.htm", "/timeline/11/trang-{page}.htm")  # thời sự, kinh doanh
    article_path = r"-\d{17}\.htm$"
    title_css = ("h1.detail-title", "h1.article-title")
    summary_css = ("h2.detail-sapo", "h2.sapo")
    body_css = ("div.detail-content", "div#main-detail-body")
    body_skip_css = ("div.VCSortableInPreviewMode[type=RelatedNewsBox]", "div.VCSortableInPreviewMode[type=Photo]", "div.kbwscwl-relatedbox")
    date_css = ("[data-role=publishdate]", "div.date-time")
    author_css = ("div.author-info a.name", "div.author")
    category_css = ("div.detail-cate a",)
