"""The generic spider crawls sites with no spider of their own, from saved real news pages served on
127.0.0.1: `--site URL --lang`, `--urls` of unknown hosts, and sites added by sites.toml alone."""

from __future__ import annotations

import json

from cls_data.crawl.clean import strip_lead_prefix
from cls_data.records import Article, read_jsonl
from cls_data.text import normalize
from tests.support.fixture_site import FAST, run_cli
from tests.support.news_pages import NewsPagesSite, saved


def _by_title(path) -> dict[str, Article]:
    return {a.title: a for a in read_jsonl(path, Article)}


def _rules(tmp_path, site: str) -> dict:
    return json.loads((tmp_path / "a.summary.json").read_text())["sites"][site]["rules"]


def test_site_url_with_lang_discovers_articles_from_robots_sitemaps_and_feeds_and_extracts_them(tmp_path):
    pages = saved("cnn_article", "time_001", "yna_co_kr", "cleveland.com1")
    with NewsPagesSite(pages) as site:
        site.sitemaps(pages[:2], also=("/tag/world", "/about", "/logo.png"))  # two articles, and no-articles
        site.feed("/rss/latest.xml", pages=pages[2:])  # two in the RSS feed the home page advertises
        site.add(
            "/", '<html><head><link rel="alternate" type="application/rss+xml" href="/rss/latest.xml"></head></html>'
        )
        out = tmp_path / "a.jsonl"
        run_cli("--site", site.base_url + "/", "--lang", "en", "--out", str(out), *FAST)
        got = _by_title(out)
        assert sorted(got) == sorted(p.title for p in pages)
        for page in pages:
            a = got[page.title]
            assert a.lang == "en" and a.site == site.base_url.removeprefix("http://")
            assert a.summary == strip_lead_prefix(normalize(page.lead))  # "SEOUL, Aug. 20 (Yonhap) -- " is cut
            assert a.published[:10] == page.published
            assert a.summary not in a.text.split("\n")  # the lead is not repeated as the body's first paragraph
        assert (
            site.hits["/robots.txt"] >= 1 and site.hits["/news-sitemap.xml"] == 1 and site.hits["/rss/latest.xml"] == 1
        )
        assert not any(site.hits[p] for p in ("/tag/world", "/about", "/logo.png"))  # the generic URL rule
        rules = _rules(tmp_path, a.site)
        assert sum(rules["text"].values()) == 4 and rules["text"] == {"trafilatura": 4}
        # Resumable as every crawl: a rerun rediscovers, fetches no article again and writes nothing.
        fetched = sum(site.hits[p.path] for p in pages)
        proc = run_cli("--site", site.base_url + "/", "--lang", "en", "--out", str(out), *FAST)
        assert sum(site.hits[p.path] for p in pages) == fetched and len(list(read_jsonl(out, Article))) == 4
        assert "nothing new" in proc.stderr


def test_listing_pages_are_followed_up_to_max_pages(tmp_path):
    pages = saved("chinese_article", "chinese_article_001", "chinese_article_002")
    with NewsPagesSite(pages) as site:
        site.listing(per_page=1)  # "/", "/news/page/2", "/news/page/3"
        out = tmp_path / "a.jsonl"
        run_cli("--site", site.base_url + "/", "--lang", "zh", "--max-pages", "2", "--out", str(out), *FAST)
        got = _by_title(out)
        assert sorted(got) == sorted(p.title for p in pages[:2])  # the third listing page is past --max-pages
        assert site.hits["/news/page/3"] == 0 and all(a.lang == "zh" for a in got.values())
        # No robots.txt and no /sitemap.xml (404 both, as on many sites): looked for, and no error.
        assert site.hits["/robots.txt"] >= 1 and site.hits["/sitemap.xml"] == 1
        summary = json.loads((tmp_path / "a.summary.json").read_text())["sites"][site.base_url.removeprefix("http://")]
        assert summary["errors"] == {} and summary["dropped"] == {}
        assert got[pages[0].title].summary == pages[0].lead  # BBC's whole description: its summary


def test_urls_of_a_site_with_no_spider_use_each_pages_declared_language(tmp_path):
    pages = saved("arabic_article", "thai_article", "latvian_article", "chinese_article_001")
    with NewsPagesSite(pages) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("".join(f"{site.base_url}{p.path}\n" for p in pages), encoding="utf-8")
        out = tmp_path / "a.jsonl"
        proc = run_cli("--urls", str(urls), "--out", str(out), "--rejects", str(tmp_path / "rej.jsonl"), *FAST)
        assert "site of no spider" not in proc.stderr
        got = _by_title(out)
        # China Daily's page declares no language and none was given: dropped, and said why.
        assert sorted(got) == sorted(p.title for p in pages[:3])
        assert {a.title: a.lang for a in got.values()} == {p.title: p.lang for p in pages[:3]}
        lv = got[pages[2].title]
        assert lv.summary == pages[2].lead and _rules(tmp_path, lv.site)["summary"] == {
            "og:description": 1,
            "standfirst:div.article__lead": 1,
            "first-paragraph": 1,
        }
        rejects = [json.loads(line) for line in (tmp_path / "rej.jsonl").read_text().splitlines()]
        assert [r["reason"] for r in rejects] == ["no_language"]


def test_a_site_added_by_sites_toml_alone_is_crawled_with_its_selector_overrides(tmp_path):
    ja = saved("japanese_article2", "japanese_article")
    es = saved("spanish_article")
    with NewsPagesSite(ja) as jp_site, NewsPagesSite([*es, *saved("time_001")]) as es_site:
        jp_site.feed(atom=True)
        es_site.listing(per_page=5)
        sites = tmp_path / "sites.toml"
        sites.write_text(
            f'''
[[site]]
name = "afpbb-ja"
lang = "ja"
feeds = ["{jp_site.base_url}/feed.xml"]

[[site]]
name = "ultimahora"
lang = "es"
start = ["{es_site.base_url}/"]
[site.selectors]
date = "p.autor"   # the byline's "08/01/2014", not the header's date of the day
''',
            encoding="utf-8",
        )
        out = tmp_path / "a.jsonl"
        run_cli("--sites", str(sites), "--out", str(out), "--rejects", str(tmp_path / "rej.jsonl"), *FAST)
        got = _by_title(out)
        assert {a.title: (a.site, a.lang) for a in got.values()} == {
            ja[0].title: ("afpbb-ja", "ja"),
            ja[1].title: ("afpbb-ja", "ja"),  # Nikkei's <h1> without its byline span
            es[0].title: ("ultimahora", "es"),
        }
        assert got[es[0].title].published[:10] == "2014-01-08" and got[es[0].title].summary == es[0].lead
        assert got[ja[0].title].summary == ja[0].lead
        # TIME's English page on the Spanish site: not this crawl's language, remembered as such.
        rejects = [json.loads(line) for line in (tmp_path / "rej.jsonl").read_text().splitlines()]
        assert [(r["reason"], r["title"]) for r in rejects] == [("other_language", saved("time_001")[0].title)]
        assert _rules(tmp_path, "ultimahora")["published"] == {"p.autor": 1}
