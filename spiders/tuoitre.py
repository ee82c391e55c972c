"""Tuổi Trẻ (tuoitre.vn): the shared detail-* CMS; sapo opens with "TTO - "."""

from cls_data.crawl.detail_cms import DetailCmsSpider as Cms


class TuoiTreSpider(Cms):
    name = "tuoitre"
    base_url = "https://tuoitre.vn"
    listings = ("/timeline/3/trang-{page}.htm", "/timeline/11/trang-{page}.htm")  # thời sự, kinh doanh
    article_path = r"-\d{17}\.htm$"
    # Each tuple: the CMS's current selectors, then Tuổi Trẻ's older ones.
    title_css = (*Cms.title_css, "h1.article-title")
    summary_css = (*Cms.summary_css, "h2.sapo")
    body_css = (*Cms.body_css, "div#main-detail-body")
    body_skip_css = (*Cms.body_skip_css, "div.kbwscwl-relatedbox")
    date_css = (*Cms.date_css, "div.date-time")
    author_css = ("div.author-info a.name", "div.author")
