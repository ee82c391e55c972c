"""The crawl bounds: one place decides what is in the date range and when a site is done."""

import pytest

from cls_data.crawl.config import Bounds, CrawlConfig, Limits
from cls_data.errors import ClsDataError


def test_bounds_admit_days_in_the_inclusive_range_and_unknown_dates():
    bounds = Bounds(since="2024-03-03", until="2024-03-05")
    assert [bounds.admits(d) for d in ("2024-03-02", "2024-03-03T08:00:00+07:00", "2024-03-05", "2024-03-06")] == [
        False,
        True,
        True,
        False,
    ]
    assert bounds.admits(None) and bounds.admits("")
    assert bounds.admits("2024-04-01", until_too=False)  # a sitemap's lastmod may be later than publication


def test_limit_is_reached_at_n_articles_and_zero_means_none():
    assert Bounds(limit=3).reached(3) and not Bounds(limit=3).reached(2)
    assert not Bounds().reached(10_000)
    assert CrawlConfig(sites=["moc"], out="a.jsonl", limit=None).bounds.limit == 0


@pytest.mark.parametrize("since, until", [("2024-13-01", None), ("1/2/2024", None), ("2024-03-05", "2024-03-01")])
def test_impossible_bounds_are_one_error(since, until):
    with pytest.raises(ClsDataError):
        Bounds(since, until).check()


@pytest.mark.parametrize(
    "limits, message",
    [
        (Limits(max_record_chars=0), "--max-record-chars must be 1 or more"),
        (Limits(min_body_words=-1), "--min-body-words must be 0 or more"),
        (Limits(min_summary_words=200), "--min-summary-words 200 is above the longest summary kept"),
    ],
)
def test_limits_no_article_could_meet_are_one_error(limits, message):
    with pytest.raises(ClsDataError, match=message):
        limits.check()


def test_a_page_cap_of_zero_is_refused_before_the_crawl_starts(tmp_path):
    from cls_data.crawl import run_crawl

    with pytest.raises(ClsDataError, match="--max-page-mb must be more than 0, got 0"):
        run_crawl(CrawlConfig(sites=["moc"], out=tmp_path / "a.jsonl", max_page_mb=0))
    assert not (tmp_path / "a.jsonl").exists()
