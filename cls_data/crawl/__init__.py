"""Crawl news sites into `Article` JSONL with Scrapy: site spiders (`cls_data.spiders`) or the generic one."""

from cls_data.crawl.config import CrawlConfig
from cls_data.crawl.runner import CrawlSummary, list_spiders, run_crawl

__all__ = ["CrawlConfig", "CrawlSummary", "list_spiders", "run_crawl"]
