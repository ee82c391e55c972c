"""The demo pair's loopback site: every page carries the structured data a spider-less crawl reads."""

from __future__ import annotations

import re

import httpx
from parsel import Selector

from cls_data.crawl.extract import json_ld, meta
from cls_data.demo.pair import load_pair
from cls_data.demo.pair_site import PairSite
from cls_data.records import Article, read_jsonl


def test_each_page_gives_back_its_article_through_json_ld_open_graph_and_html_lang():
    articles = list(read_jsonl(load_pair("de-en").articles, Article))
    with PairSite(articles) as site:
        sitemap = httpx.get(site.base_url + "/sitemap.xml").text
        listed = re.findall(r"<loc>([^<]+)</loc>", sitemap)
        assert listed == [a.url for a in articles]
        assert "Sitemap: https://nachrichten.example.de/sitemap.xml" in httpx.get(site.base_url + "/robots.txt").text
        for article in articles[:6]:
            page = httpx.get(site.base_url + httpx.URL(article.url).path)
            assert page.status_code == 200
            sel = Selector(page.text)
            ld = json_ld(sel)
            fields = (ld["headline"], ld["description"], ld["articleBody"])
            assert fields == (article.title, article.summary, article.text)
            assert ld["datePublished"] == article.published and sel.xpath("/html/@lang").get() == "de"
            assert meta(sel, "og:title") == article.title and meta(sel, "og:description") == article.summary
        assert httpx.get(site.base_url + "/nope.html").status_code == 404
        assert httpx.post(site.translator_url + "/translate", json={"q": "x"}).status_code == 503


def test_a_generic_extractor_finds_the_body_of_a_page():
    trafilatura = __import__("pytest").importorskip("trafilatura")
    from cls_data.demo.pair_site import render_page

    article = next(iter(read_jsonl(load_pair("de-en").articles, Article)))
    body = trafilatura.extract(render_page(article)) or ""
    assert all(paragraph in body for paragraph in article.text.split("\n"))
