"""Site parsers on saved-style HTML (HtmlResponse, no network), older layouts and fallbacks included."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, Request

from cls_data.crawl.clean import strip_lead_prefix
from cls_data.crawl.runner import spider_classes
from tests.support.fixture_site import article_path, render


def parse(site: str, html: str, url: str) -> dict:
    spider = spider_classes()[site]()
    return next(
        spider.parse_article(HtmlResponse(url, body=html.encode("utf-8"), encoding="utf-8", request=Request(url)))
    )


@pytest.mark.parametrize(
    "site, template, summary_rule",
    [
        ("vnexpress", "vnexpress_2019.html", "h2.description"),
        ("thanhnien", "thanhnien_2021.html", "div.sapo"),
        ("dantri", "dantri_2024.html", "h2.singular-sapo"),
    ],
)
def test_older_layouts_are_still_parsed(site, template, summary_rule):
    real = spider_classes()[site].base_url
    html, exp = render(site, 3, real, template=template)
    item = parse(site, html, real + exp.path)
    assert item["title"] == exp.title and strip_lead_prefix(item["summary"]) == exp.summary
    assert item["text"].split("\n") == exp.paragraphs
    assert item["_rules"]["summary"] == summary_rule and item["published"][:10] == exp.published.date().isoformat()


def test_fields_fall_back_to_json_ld_and_meta_tags_and_say_so():
    url = "https://tuoitre.vn" + article_path("tuoitre", 1)
    html = """<html><head><title>Tiêu đề dự phòng</title>
    <meta property="og:description" content="Sáng nay, Bộ Xây dựng đã ban hành hướng dẫn mới về nhà ở xã hội.">
    <meta property="article:published_time" content="2024-05-06T07:00:00+07:00">
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "Tiêu đề từ JSON-LD",
      "articleBody": "Đoạn một của bài.\\nĐoạn hai của bài."}</script></head>
    <body><div class="khac">không có bộ chọn nào khớp</div></body></html>"""
    item = parse("tuoitre", html, url)
    assert item["title"] == "Tiêu đề từ JSON-LD" and item["text"] == "Đoạn một của bài.\nĐoạn hai của bài."
    assert item["summary"].startswith("Sáng nay, Bộ Xây dựng")
    assert item["published"] == "2024-05-06T07:00:00+07:00"
    assert item["_rules"] == {
        "title": "json-ld:headline",
        "summary": "og:description",
        "text": "json-ld:articleBody",
        "published": "meta:published_time",
    }
    assert item["url"] == url  # no canonical link: the fetched URL


BELOW_THE_STORY = (
    "Giá nhà chung cư",
    "Ngân hàng đồng loạt",
    "Đội tuyển Việt Nam",
    "Huấn luyện viên",
    "Xem thêm",
    "Tin liên quan",
    "Có thể bạn quan tâm",
    "Cơ quan chủ quản",
    "Ảnh: Mạnh Quân",
    "Nhà ở xã hội",
)


def test_dantris_2026_layout_comes_first_and_yields_the_story_only():
    real = spider_classes()["dantri"].base_url
    html, exp = render("dantri", 4, real, template="dantri_2026.html")
    item = parse("dantri", html, real + exp.path)
    assert item["_rules"] == {
        "title": "h1[data-slot=title]",
        "summary": "h2[data-slot=sapo]",
        "text": "div[data-slot=content]",
        "published": "time[datetime]",
    }
    assert item["title"] == exp.title and strip_lead_prefix(item["summary"]) == exp.summary
    assert item["text"].split("\n") == exp.paragraphs and item["author"] == "Hoài Thu"


def test_when_the_content_slot_changes_the_article_fallback_still_takes_nothing_below_the_story():
    real = spider_classes()["dantri"].base_url
    html, exp = render("dantri", 5, real, template="dantri_2026.html")
    html = html.replace('data-slot="content"', 'data-slot="article-body"')  # next year's rename
    item = parse("dantri", html, real + exp.path)
    assert item["_rules"]["text"] == "article"  # the crawl summary shows the layout change
    assert item["text"].split("\n") == exp.paragraphs  # no sapo, related news, recommendations or footer
    assert not any(junk in item["text"] for junk in BELOW_THE_STORY)


@pytest.mark.parametrize("site", sorted(spider_classes()))
def test_every_spiders_container_fallback_skips_related_and_recommended_blocks(site):
    real = spider_classes()[site].base_url
    _, exp = render(site, 2, real)
    first, second = ("".join(f"<p>{p}</p>" for p in half) for half in (exp.paragraphs[:3], exp.paragraphs[3:]))
    html = f"""<html><head><meta property="og:description" content="{exp.summary}"></head><body><main><article>
      <h1>{exp.title}</h1><div class="rich-text">{first}
      <div class="box-tin-lien-quan"><p>Xem thêm: Giá nhà chung cư tăng</p></div>{second}</div>
      <section class="box-related"><h3>Tin liên quan</h3><p>Ngân hàng đồng loạt giảm lãi suất</p></section>
      <div data-slot="recommendation"><h3>Có thể bạn quan tâm</h3></div>
      <div class="list-news"><article class="item"><h3>Đội tuyển Việt Nam thắng đậm</h3><p>Huấn luyện viên hài lòng.</p></article></div>
      <aside><p>Nhà ở xã hội</p></aside><footer><p>Cơ quan chủ quản</p></footer>
    </article></main></body></html>"""  # noqa: E501
    item = parse(site, html, real + exp.path)
    assert item["_rules"]["text"] == "article", "no site selector matches this page"
    assert item["text"].split("\n") == exp.paragraphs
