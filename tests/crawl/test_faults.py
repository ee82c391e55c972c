"""A crawl survives what real sites do: errors, 429 + Retry-After, timeouts, broken pages, duplicates."""

from __future__ import annotations

import json

import pytest

from cls_data.records import Article, read_jsonl
from tests.support.fixture_site import FAST, read_records, run_cli


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory):
    from tests.support.fixture_site import FixtureSite

    tmp = tmp_path_factory.mktemp("faults")
    with FixtureSite("vnexpress", n=4, faults=True) as server:
        out = tmp / "a.jsonl"
        proc = run_cli(
            "--site",
            "vnexpress",
            "--out",
            str(out),
            "--base-url",
            server.base_url,
            "--rejects",
            str(tmp / "rejects.jsonl"),
            *FAST,
        )
        yield server, out, tmp, proc


def _by_path(server, out):
    return {a.url.removeprefix(server.real): a for a in read_jsonl(out, Article)}


def _site_summary(tmp):
    return json.loads((tmp / "a.summary.json").read_text())["sites"]["vnexpress"]


def test_http_errors_are_counted_and_500_is_retried(faulty_crawl):
    server, out, tmp, _ = faulty_crawl
    fp = server.fault_paths
    summary = _site_summary(tmp)
    assert summary["errors"]["http_404"] >= 1 and summary["errors"]["http_500"] >= 1
    assert server.hits[fp["404"]] == 1 and server.hits[fp["500"]] == 2  # --retries 1
    assert fp["404"] not in _by_path(server, out) and fp["500"] not in _by_path(server, out)


def test_429_waits_for_retry_after_then_gets_the_article(faulty_crawl):
    server, out, _, _ = faulty_crawl
    path = server.fault_paths["429"]
    first, second = server.times[path][:2]
    assert second - first >= 0.9, "Retry-After: 1 was honoured"
    assert _by_path(server, out)[path].summary == server.expected[path].summary


def test_slow_page_times_out_without_stopping_the_crawl(faulty_crawl):
    server, out, tmp, _ = faulty_crawl
    assert _site_summary(tmp)["errors"]["timeout"] == 1
    assert server.fault_paths["slow"] not in _by_path(server, out)
    assert all(p in _by_path(server, out) for p in server.articles[:2])


@pytest.mark.parametrize("fault", ["truncated", "nfd", "charset", "old_layout"])
def test_awkward_pages_give_clean_nfc_records(faulty_crawl, fault):
    server, out, _, _ = faulty_crawl
    path = server.fault_paths[fault]
    article, exp = _by_path(server, out)[path], server.expected[path]
    assert (article.title, article.summary) == (exp.title, exp.summary)
    assert article.text.split("\n") == exp.paragraphs


def test_same_article_under_two_urls_is_written_once(faulty_crawl):
    server, out, tmp, _ = faulty_crawl
    records = read_records(out)
    for n in (0, 1):
        exp = server.expected[server.articles[n]]
        assert sum(r["summary"] == exp.summary for r in records) == 1
    dropped = _site_summary(tmp)["dropped"]
    assert dropped["duplicate_url"] == 1 and dropped["duplicate_content"] == 1
    assert len({r["id"] for r in records}) == len(records)


def test_page_without_sapo_and_english_section_are_dropped_with_reason(faulty_crawl):
    server, _, tmp, _ = faulty_crawl
    dropped = _site_summary(tmp)["dropped"]
    assert dropped["no_summary"] == 1 and dropped["summary_not_vietnamese"] == 1
    rejects = read_records(tmp / "rejects.jsonl")
    reasons = {r["url"].removeprefix(server.real): r["reason"] for r in rejects}
    assert reasons[server.fault_paths["no_sapo"]] == "no_summary"
    assert reasons[server.fault_paths["english"]] == "summary_not_vietnamese"


def test_robots_txt_is_obeyed(faulty_crawl):
    server, _, _, _ = faulty_crawl
    assert server.hits["/robots.txt"] >= 1
    assert server.hits[server.fault_paths["private"]] == 0


def test_summary_counts_rules_and_the_cli_prints_a_table(faulty_crawl):
    server, out, tmp, proc = faulty_crawl
    summary = _site_summary(tmp)
    n = len(read_records(out))
    assert summary["articles"] == n and sum(summary["rules"]["summary"].values()) == n
    assert summary["rules"]["summary"]["p.description"] == n - 1  # the 2019 layout uses h2.description
    assert "vnexpress" in proc.stdout and str(n) in proc.stdout
