"""sites.toml: a site is a few lines; every mistake is one line naming the file and the key."""

from __future__ import annotations

import pytest

from cls_data.crawl.sites_file import load_sites
from cls_data.errors import ClsDataError

GOOD = """
[[site]]
name = "tagesschau"
lang = "de"
start = ["https://www.tagesschau.de/inland/"]
feeds = "https://www.tagesschau.de/index~rss2.xml"
article_path = "-\\\\d+\\\\.html$"
[site.selectors]
title = "h1 .seitenkopf__headline"
lead = ["p.textabsatz strong", "p.teasertext"]

[[site]]
name = "kompas"
lang = "id"
sitemaps = ["https://www.kompas.com/sitemap-news.xml"]
"""


def _write(tmp_path, text: str):
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sites_toml_declares_sites_with_starts_feeds_sitemaps_and_selectors(tmp_path):
    first, second = load_sites(_write(tmp_path, GOOD))
    assert (first.name, first.lang, first.base_url) == ("tagesschau", "de", "https://www.tagesschau.de")
    assert first.feeds == ("https://www.tagesschau.de/index~rss2.xml",) and first.article_path == r"-\d+\.html$"
    assert first.selectors.title == ("h1 .seitenkopf__headline",) and first.selectors.lead == (
        "p.textabsatz strong",
        "p.teasertext",
    )
    assert first.selectors.body == () and first.source.endswith("site[0]")
    assert (second.name, second.lang, second.start, second.sitemaps) == (
        "kompas",
        "id",
        (),
        ("https://www.kompas.com/sitemap-news.xml",),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[site]]\nname = "x"\nlang = "de"\nstart = ["https://a.de/"]\nlnag = "de"\n', "site[0]: unknown key 'lnag'"),
        ('[[site]]\nname = "x"\nstart = ["https://a.de/"]\n', "site[0].lang: missing"),
        (
            '[[site]]\nname = "x"\nlang = "Deutsch!"\nstart = ["https://a.de/"]\n',
            "site[0].lang: 'Deutsch!' is not a language code",
        ),
        ('[[site]]\nname = "x"\nlang = "de"\n', "site[0]: give at least one URL in start, feeds or sitemaps"),
        ('[[site]]\nname = "x"\nlang = "de"\nstart = ["a.de/news"]\n', "site[0].start[0]: not an absolute http(s) URL"),
        ('[[site]]\nname = "x"\nlang = "de"\nstart = ["https://a.de/", "https://b.de/"]\n', "2 hosts (a.de, b.de)"),
        (
            '[[site]]\nname = "x"\nlang = "de"\nstart = ["https://a.de/"]\narticle_path = "(["\n',
            "site[0].article_path: not a regular",
        ),
        (
            '[[site]]\nname = "x"\nlang = "de"\nstart = ["https://a.de/"]\n[site.selectors]\nheadline = "h1"\n',
            "site[0].selectors: unknown key 'headline'",
        ),
        (
            '[[site]]\nname = "x"\nlang = "de"\nstart = ["https://a.de/"]\n[site.selectors]\ntitle = "h1[["\n',
            "site[0].selectors.title: not a CSS selector",
        ),
        (
            '[[site]]\nname = "Die Zeit"\nlang = "de"\nstart = ["https://a.de/"]\n',
            "site[0].name: 'Die Zeit' is not a site name",
        ),
        (
            '[[site]]\nname = "vnexpress"\nlang = "vi"\nstart = ["https://a.vn/"]\n',
            "site[0].name: 'vnexpress' is already",
        ),
        ('[site]\nname = "x"\n', "no [[site]] table"),
        ('[[site]]\nname = "x\nlang = "de"\n', "not valid TOML: "),
    ],
)
def test_a_mistake_is_one_line_naming_the_file_and_the_key(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ClsDataError) as err:
        load_sites(path, {"vnexpress"})
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value) and "\n" not in str(err.value)


def test_a_bad_sites_file_fails_the_crawl_before_any_download(tmp_path):
    from tests.support.fixture_site import run_cli

    path = _write(tmp_path, '[[site]]\nname = "x"\nstart = ["https://a.de/"]\n')
    proc = run_cli("--sites", str(path), "--out", str(tmp_path / "a.jsonl"), check=False)
    assert proc.returncode != 0 and f"{path}: site[0].lang: missing" in proc.stderr
    assert not (tmp_path / "a.jsonl").exists()


def test_a_site_url_without_a_language_is_refused(tmp_path):
    from tests.support.fixture_site import run_cli

    proc = run_cli("--site", "https://www.kompas.com/", "--out", str(tmp_path / "a.jsonl"), check=False)
    assert (
        proc.returncode != 0
        and "--site https://www.kompas.com/: a site with no spider needs its language" in proc.stderr
    )
