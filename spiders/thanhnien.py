"""Thanh Niên (thanhnien.vn): the shared detail-* CMS; timelines /timelinelist/<zone>/<N>.htm."""

from cls_data.crawl.spider import NewsSpider


class ThanhNienSpider(NewsSpider):
    name = "thanhnien"
    base_url = "https://thanhnien.vn"
    sitemaps = ("/sitemap.xml",)
    listings = ("/timelinelist/1854/{page}.htm", "/timelinelist/18549/{page}.htm")  # thời sự, kinh tế
    article_path = r"-\d{15,20}\.htm$"
    title_css = ("h1.detail-title", "h1.details__headline")  # current, then the 2021 layout
    summary_css = ("h2.detail-sapo", "div.sapo", "div.details__summary")
    body_css = ("div.detail-content", "div#abody")
    body_skip_css = ("div.VCSortableInPreviewMode[type=RelatedNewsBox]", "div.VCSortableInPreviewMode[type=Photo]", "div.details__morenews")
    date_css = ("[data-role=publishdate]", "div.details__meta time")
    author_css = ("div.detail-author a.name", "div.details__author__meta a")
    category_css = ("div.detail-cate a",)
