"""Every site spider crawls its fixture site end to end: discovery, extraction, clean-up, JSONL."""

from __future__ import annotations

import json

import pytest

from cls_data.crawl.runner import list_spiders
from cls_data.records import Article, read_jsonl, stable_id
from tests.support.fixture_site import FAST, run_cli

SITES = [name for name, _ in list_spiders()]


def test_every_site_named_in_the_issue_has_a_spider():
    assert {"vnexpress", "tuoitre", "thanhnien", "dantri", "vietnamnet", "vietnamplus", "baochinhphu", "moc"} <= set(
        SITES
    )


@pytest.mark.parametrize("site", SITES)
def test_site_crawl_finds_every_article_with_clean_summary_and_body(site, site_server, tmp_path):
    server = site_server(site, n=5)
    out = tmp_path / "a.jsonl"
    run_cli("--site", site, "--out", str(out), "--base-url", server.base_url, *FAST)
    articles = list(read_jsonl(out, Article))
    by_path = {a.url.removeprefix(server.real): a for a in articles}
    assert sorted(by_path) == sorted(server.expected), "every fixture article is found once, under its canonical URL"
    for path, exp in server.expected.items():
        a = by_path[path]
        assert a.id == stable_id(a.url) and a.site == site and a.lang == "vi"
        assert a.title == exp.title
        assert a.summary == exp.summary  # agency prefix / location stamp removed
        assert a.text.split("\n") == exp.paragraphs  # no caption, byline or related box
        assert a.published[:10] == exp.published.isoformat()[:10]
    summary = json.loads((tmp_path / "a.summary.json").read_text())
    assert summary["articles"] == 5 and summary["sites"][site]["articles"] == 5
    assert sum(summary["sites"][site]["rules"]["summary"].values()) == 5


def test_dantri_crawls_from_its_category_pages_when_the_sitemap_is_blocked(site_server, tmp_path):
    server = site_server("dantri", n=5)
    server.add("/sitemaps/sitemap.xml", "<h1>403 Forbidden</h1>", status=403)
    out = tmp_path / "a.jsonl"
    run_cli("--site", "dantri", "--out", str(out), "--base-url", server.base_url, *FAST)
    articles = list(read_jsonl(out, Article))
    assert sorted(a.url.removeprefix(server.real) for a in articles) == sorted(server.expected)
    assert server.hits["/xa-hoi.htm"] == 1  # the category page, page 1 unnumbered as on the site
    rules = json.loads((tmp_path / "a.summary.json").read_text())["sites"]["dantri"]["rules"]
    assert rules["text"] == {"div[data-slot=content]": 5} and rules["summary"] == {"h2[data-slot=sapo]": 5}
