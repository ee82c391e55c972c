"""The bundled sample itself: pages the crawler accepts, Chinese that is Chinese, a translation per sapo."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from cls_data.crawl.clean import is_boilerplate, is_vietnamese, strip_lead_prefix
from cls_data.crawl.config import Limits
from cls_data.demo.corpus import load_sample
from cls_data.demo.mirror import SITES, routes
from cls_data.text import CJK, count_words, normalize

SAMPLE = load_sample()
# Characters that only Traditional Chinese uses (their Simplified forms differ): none may appear.
TRADITIONAL = set(
    "們這國會學說經發時為從與對應來個後開關點體實進過還當現動機處將場區歲車電話長門東間問題見視認識讀書語寫員議團際態樣陽變網價屬"
)
_VI_LETTERS = re.compile("[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE)


def test_the_sample_has_thirty_articles_for_each_of_two_sites_on_varied_topics():
    assert Counter(a.site for a in SAMPLE.articles) == {"vnexpress": 30, "tuoitre": 30}
    assert set(SAMPLE.sites) <= set(SITES)
    assert len(Counter(a.category for a in SAMPLE.articles)) >= 10
    assert len({a.url for a in SAMPLE.articles}) == len({a.title for a in SAMPLE.articles}) == 60


@pytest.mark.parametrize("article", SAMPLE.articles, ids=lambda a: f"{a.site}-{a.number}")
def test_every_article_passes_the_crawlers_validation(article):
    limits = Limits()
    assert 15 <= count_words(article.sapo) <= 45
    assert limits.min_summary_words <= count_words(article.sapo) <= limits.max_summary_words
    assert 3 <= len(article.body) <= 6 and count_words(" ".join(article.body)) >= limits.min_body_words
    assert len(article.title) >= limits.min_title_chars
    assert is_vietnamese(article.sapo, limits.vi_threshold) and not is_boilerplate(article.sapo)
    # Written normalised, and nothing the crawler would strip as an agency prefix or location stamp.
    assert normalize(article.sapo) == article.sapo == strip_lead_prefix(article.sapo)
    assert all(normalize(p) == p for p in article.body)


def test_every_sapo_has_exactly_one_translation_and_ten_drift():
    assert sorted(t.vi for t in SAMPLE.translations) == sorted(a.sapo for a in SAMPLE.articles)
    assert len(SAMPLE.poor) == 10 and all(t.note for t in SAMPLE.translations if t.poor)
    assert Counter(a.site for a in SAMPLE.articles if a.sapo in SAMPLE.poor) == {"vnexpress": 5, "tuoitre": 5}


@pytest.mark.parametrize("translation", SAMPLE.translations, ids=lambda t: t.vi[:30])
def test_the_chinese_is_simplified_chinese_and_the_way_back_vietnamese(translation):
    zh = translation.zh
    letters = [c for c in zh if c.isalpha()]  # digits and Latin names (SJC, RON 95) are fine in Chinese text
    han = [c for c in letters if re.match(f"[{CJK}]", c)]
    assert len(han) >= 0.8 * len(letters) and len(han) >= 15
    assert not _VI_LETTERS.search(zh) and not set(zh) & TRADITIONAL
    assert normalize(zh) == zh and normalize(translation.back) == translation.back
    assert is_vietnamese(translation.back)


def test_the_mirror_serves_every_page_the_spiders_start_from():
    pages = routes(SAMPLE)
    for name in SAMPLE.sites:
        site = SITES[name]
        starts = (
            [site.listing_path(t, 1) for t in site.listings]
            + list(site.feeds)
            + ([site.sitemap] if site.sitemap else [])
        )
        assert all(path in pages for path in starts)
    assert all(a.path in pages for a in SAMPLE.articles)
    assert "/robots.txt" in pages
