"""The crawl bounds: one place decides what is in the date range and when a site is done."""

import pytest

from cls_data.crawl.config import Bounds, CrawlConfig
from cls_data.errors import ClsDataError


def test_bounds_admit_days_in_the_inclusive_range_and_unknown_dates():
    bounds = Bounds(since="2024-03-03", until="2024-03-05")
    assert [bounds.admits(d) for d in ("2024-03-02", "2024-03-03T08:00:00+07:00", "2024-03-05", "2024-03-06")] == [
        False, True, True, False]
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
