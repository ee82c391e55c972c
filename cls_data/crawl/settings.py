"""Scrapy settings for a crawl: polite defaults, our pipelines and middlewares, Redis when asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cls_data.crawl.config import SPIDER_MODULES, CrawlConfig
from cls_data.crawl.sink import CrawlSink


def log_path(out: Path) -> Path:
    return out.with_name(out.name + ".log")


def build_settings(config: CrawlConfig, sink: CrawlSink) -> dict[str, Any]:
    """Scrapy's settings for `config`: politeness and bounds, our components, logging, ours, Redis when asked."""
    settings: dict[str, Any] = {
        "SPIDER_MODULES": SPIDER_MODULES,
        "USER_AGENT": config.user_agent,
        "ROBOTSTXT_OBEY": config.obey_robots,
        "AUTOTHROTTLE_ENABLED": config.autothrottle,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
        # Scrapy starts every site at 5 s between requests until answers arrive: with no answer
        # (a site that is down) each queued start page then costs 5 s before it can even fail.
        # AutoThrottle raises the delay again as soon as latencies say so.
        "AUTOTHROTTLE_START_DELAY": max(1.0, config.download_delay),
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrency_per_domain,
        "DOWNLOAD_DELAY": config.download_delay,
        "DOWNLOAD_TIMEOUT": config.timeout,
        # Scrapy's default cap is 1 GiB: one hostile page then holds gigabytes and starves every
        # other download. A news page is well under a megabyte; sitemaps get more (see NewsSpider).
        "DOWNLOAD_MAXSIZE": int(config.max_page_mb * 2**20),
        "DOWNLOAD_WARNSIZE": int(config.max_page_mb * 2**20) // 2,
        "RETRY_TIMES": config.retries,
        "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
        **_components(),
        "CLOSESPIDER_ITEMCOUNT": config.bounds.limit,
        "TELNETCONSOLE_ENABLED": False,
        **_logging(config.out),
        "COOKIES_ENABLED": False,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        # Ours, read by the spider and the pipelines.
        "CLS_SINK": sink,
        "CLS_LIMITS": config.limits,
        "CLS_BOUNDS": config.bounds,
        "CLS_MAX_PAGES": config.max_pages,
        "CLS_MAX_RETRY_AFTER": config.max_retry_after,
        "CLS_REDIS": bool(config.redis_url),
    }
    if config.redis_url:
        settings.update(_redis(config))
    settings.update(config.extra_settings)
    return settings


def _components() -> dict[str, dict[str, int | None]]:
    """Our pipelines and middlewares, and the Scrapy ones we switch off."""
    return {
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "cls_data.crawl.middlewares.RetryAfterMiddleware": 550,
            "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
        },
        # Not needed for news pages; each costs a little on every request.
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
        },
        "ITEM_PIPELINES": {
            "cls_data.crawl.pipelines.NormalizePipeline": 100,
            "cls_data.crawl.pipelines.ValidatePipeline": 200,
            "cls_data.crawl.pipelines.DedupPipeline": 300,
            "cls_data.crawl.pipelines.JsonlWriterPipeline": 400,
        },
    }


def _logging(out: Path) -> dict[str, Any]:
    """Scrapy's log into `<out>.log` (appended on every rerun), drops logged by our formatter."""
    return {
        "LOG_FILE": str(log_path(out)),
        "LOG_FILE_APPEND": True,
        "LOG_LEVEL": "INFO",
        "LOG_STDOUT": False,
        "LOG_FORMATTER": "cls_data.crawl.pipelines.DropLogFormatter",
        "LOG_INSTALL_ROOT_HANDLER": True,
    }


def _redis(config: CrawlConfig) -> dict[str, Any]:
    """A frontier shared through Redis by several crawl processes (--redis-url)."""
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # the frontier outlives one process: others may still be working
        "SCHEDULER_QUEUE_KEY": "cls-data:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": "cls-data:%(spider)s:dupefilter",
        "SCHEDULER_IDLE_BEFORE_CLOSE": 1,
        # Scrapy pulls requests from the scheduler until CONCURRENT_REQUESTS are active; with a
        # shared frontier that would let the first process hoard the queue in its own memory.
        "CONCURRENT_REQUESTS": config.concurrency_per_domain * max(1, len(config.sites)),
        "CLS_REDIS_IDLE": config.redis_idle,
        "REDIS_URL": config.redis_url,
    }
