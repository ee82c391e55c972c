"""Báo Chính phủ (baochinhphu.vn): the shared detail-* CMS; sapo opens with "(Chinhphu.vn) - "."""

from cls_data.crawl.detail_cms import DetailCmsSpider


class BaoChinhPhuSpider(DetailCmsSpider):
    name = "baochinhphu"
    base_url = "https://baochinhphu.vn"
    listings = ("/timelinelist/1021/{page}.htm", "/timelinelist/102/{page}.htm")  # thời sự, kinh tế
    article_path = r"-\d{15,20}\.htm$"
    author_css = ("div.detail-author",)
