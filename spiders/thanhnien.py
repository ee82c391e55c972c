"""Thanh Niên (thanhnien.vn): the shared detail-* CMS; timelines /timelinelist/<zone>/<N>.htm."""

from cls_data.crawl.detail_cms import DetailCmsSpider as Cms


class ThanhNienSpider(Cms):
    name = "thanhnien"
    base_url = "https://thanhnien.vn"
    listings = ("/timelinelist/1854/{page}.htm", "/timelinelist/18549/{page}.htm")  # thời sự, kinh tế
    article_path = r"-\d{15,20}\.htm$"
    # Each tuple: the CMS's current selectors, then the 2021 layout's.
    title_css = (*Cms.title_css, "h1.details__headline")
    summary_css = (*Cms.summary_css, "div.sapo", "div.details__summary")
    body_css = (*Cms.body_css, "div#abody")
    body_skip_css = (*Cms.body_skip_css, "div.details__morenews")
    date_css = (*Cms.date_css, "div.details__meta time")
    author_css = ("div.detail-author a.name", "div.details__author__meta a")
