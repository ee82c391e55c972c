"""Site parsers on saved-style HTML (HtmlResponse, no network), older layouts and fallbacks included."""

from __future__ import annotations

import pytest
from tests.support.fixture_site import article_path, render
from scrapy.http import HtmlResponse, Request

from cls_data.crawl.clean import strip_lead_prefix
from cls_data.crawl.runner import spider_classes


def parse(site: str, html: str, url: str) -> dict:
    spider = spider_classes()[site]()
    return next(spider.parse_article(HtmlResponse(url, body=html.encode("utf-8"), encoding="utf-8", request=Request(url))))


@pytest.mark.parametrize("site, template, summary_rule", [
    ("vnexpress", "vnexpress_2019.html", "h2.description"),
    ("thanhnien", "thanhnien_2021.html", "div.sapo"),
])
def test_older_layouts_are_still_parsed(site, template, summary_rule):
    real = spider_classes()[site].base_url
    html, exp = render(site, 3, real, template=template)
    item = parse(site, html, real + exp.path)
    assert item["title"] == exp.title and strip_lead_prefix(item["summary"]) == exp.summary
    assert item["text"].split("\n") == exp.paragraphs
    assert item["_rules"]["summary"] == summary_rule and item["published"][:10] == exp.published.date().isoformat()


def test_fields_fall_back_to_json_ld_and_meta_tags_and_say_so():
    url = "https://tuoitre.vn" + article_path("tuoitre", 1)
    html = f"""<html><head><title>Tiêu đề dự phòng</title>
    <meta property="og:description" content="Sáng nay, Bộ Xây dựng đã ban hành hướng dẫn mới về nhà ở xã hội.">
    <meta property="article:published_time" content="2024-05-06T07:00:00+07:00">
    <script type="application/ld+json">{{"@type": "NewsArticle", "headline": "Tiêu đề từ JSON-LD",
      "articleBody": "Đoạn một của bài.\\nĐoạn hai của bài."}}</script></head>
    <body><div class="khac">không có bộ chọn nào khớp</div></body></html>"""
    item = parse("tuoitre", html, url)
    assert item["title"] == "Tiêu đề từ JSON-LD" and item["text"] == "Đoạn một của bài.\nĐoạn hai của bài."
    assert item["summary"].startswith("Sáng nay, Bộ Xây dựng")
    assert item["published"] == "2024-05-06T07:00:00+07:00"
    assert item["_rules"] == {"title": "json-ld:headline", "summary": "og:description", "text": "json-ld:articleBody",
                              "published": "meta:published_time"}
    assert item["url"] == url  # no canonical link: the fetched URL
