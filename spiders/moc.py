"""Bộ Xây dựng (moc.gov.vn, the paper's example): ASP.NET portal, no published selectors.

The selectors are deliberately loose (any h1 in the news-detail block, any element whose class
names a lead/sapo/summary); JSON-LD and meta fallbacks cover a redesign.
"""

from cls_data.crawl.spider import NewsSpider


class MocSpider(NewsSpider):
    name = "moc"
    base_url = "https://moc.gov.vn"
    listings = (
        "/vn/chuyen-muc/1240/tin-tong-hop.aspx?page={page}",
        "/vn/chuyen-muc/1241/hoat-dong-cua-bo.aspx?page={page}",
    )
    article_path = r"^/vn/tin-tuc/\d+/\d+/[^/]+\.aspx$"
    title_css = ("div.news-detail h1", "div.detail h1", "h1.title", "h1")
    summary_css = (
        "div.news-detail [class*=sapo]",
        "div.news-detail [class*=lead]",
        "div.news-detail [class*=summary]",
        "[class*=sapo]",
        "[class*=Sapo]",
        "[class*=lead]",
    )
    body_css = (
        "div.news-detail [class*=content]",
        "div.detail [class*=content]",
        "[id*=NewsContent]",
        "[class*=news-content]",
    )
    body_skip_css = ("[class*=relate]", "[class*=other-news]")
    date_css = ("div.news-detail [class*=date]", "[class*=date]", "[class*=time]")
    author_css = ("div.news-detail [class*=author]",)
