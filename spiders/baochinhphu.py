"""Báo Chính phủ (baochinhphu.vn): the shared detail-* CMS; sapo opens with "(Chinhphu.vn) - "."""

from cls_data.crawl.spider import NewsSpider


class BaoChinhPhuSpider(NewsSpider):
    name = "baochinhphu"
    base_url = "https://baochinhphu.vn"
    sitemaps = ("/sitemap.xml",)
    listings = ("/timelinelist/1021/{page}.htm", "/timelinelist/102/{page}.htm")  # thời sự, kinh tế
    article_path = r"-\d{15,20}\.htm$"
    title_css = ("h1.detail-title",)
    summary_css = ("h2.detail-sapo",)
    body_css = ("div.detail-content",)
    body_skip_css = ("div.VCSortableInPreviewMode[type=RelatedNewsBox]", "div.VCSortableInPreviewMode[type=Photo]")
    date_css = ("[data-role=publishdate]",)
    author_css = ("div.detail-author",)
    category_css = ("div.detail-cate a",)
