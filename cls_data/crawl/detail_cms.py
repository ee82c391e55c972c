"""The `detail-*` news CMS shared by Tuổi Trẻ, Thanh Niên and Báo Chính phủ: its selectors, once."""

from cls_data.crawl.spider import NewsSpider


class DetailCmsSpider(NewsSpider):
    """Current-layout selectors of the CMS; a site spider adds its paths and older layouts after them."""

    sitemaps = ("/sitemap.xml",)
    title_css = ("h1.detail-title",)
    summary_css = ("h2.detail-sapo",)
    body_css = ("div.detail-content",)
    # The CMS embeds related-article boxes and photo blocks inside the body.
    body_skip_css = ("div.VCSortableInPreviewMode[type=RelatedNewsBox]", "div.VCSortableInPreviewMode[type=Photo]")
    date_css = ("[data-role=publishdate]",)
    category_css = ("div.detail-cate a",)
