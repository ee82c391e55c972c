"""Crawl Vietnamese news sites into `Article` JSONL with Scrapy (spiders live in `cls_data.spiders`)."""

from cls_data.crawl.config import CrawlConfig
from cls_data.crawl.runner import CrawlSummary, list_spiders, run_crawl

__all__ = ["CrawlConfig", "CrawlSummary", "list_spiders", "run_crawl"]
