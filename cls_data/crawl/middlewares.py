"""Downloader middleware: Scrapy's retry, honouring Retry-After on 429/503, giving up at once on a
host that has never answered."""

from __future__ import annotations

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future

from cls_data.retry_after import parse_retry_after


def retry_after_seconds(value: bytes | str | None, cap: float) -> float:
    """Seconds a Retry-After header asks for, capped; 0 if absent or unreadable."""
    return min(parse_retry_after(value) or 0.0, cap)


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retry, but a 429/503 with Retry-After waits as long as the server asked (capped),
    and a site that refuses every connection from the start is closed on the first refusal."""

    def process_exception(self, request, exception, spider=None):
        # Retrying a refused or timed-out connection helps when a server that was answering
        # hiccups; before any answer at all it only multiplies the wait (every start page x
        # retries x timeout or AutoThrottle's start delay: minutes) for a wrong --base-url, a
        # firewalled host or a site that is down.
        if isinstance(exception, _unreachable()) and not self.crawler.stats.get_value("downloader/response_count"):
            self._close_unreachable(request, exception)
            return None
        return super().process_exception(request, exception)

    def _close_unreachable(self, request, exception) -> None:
        from scrapy.utils.defer import deferred_from_coro
        from twisted.python.failure import Failure

        from cls_data.crawl.spider import describe_failure

        stats = self.crawler.stats
        if not stats.get_value("cls/first_error"):  # robots.txt fails outside the spider's errback
            failure = Failure(exception)
            failure.request = request
            stats.set_value("cls/first_error", describe_failure(failure)[1])
        if not getattr(self, "_closing", False):
            self._closing = True
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="unreachable"))

    def process_response(self, request, response, spider=None):
        # Synchronous on the common path: a coroutine per response costs measurable time at
        # hundreds of pages a second; only a response that asks us to wait gets one.
        if response.status in self.retry_http_codes and not request.meta.get("dont_retry", False):
            cap = self.crawler.settings.getfloat("CLS_MAX_RETRY_AFTER")
            delay = retry_after_seconds(response.headers.get(b"Retry-After"), cap)
            if delay:
                return self._wait_then_retry(request, response, delay)
        return super().process_response(request, response)

    async def _wait_then_retry(self, request, response, delay: float):
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        self.crawler.stats.inc_value("cls/retry_after_waits")
        await maybe_deferred_to_future(deferLater(reactor, delay))
        return super().process_response(request, response)


def _unreachable() -> tuple[type[BaseException], ...]:
    from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError
    from twisted.internet.error import (
        ConnectionRefusedError,
        DNSLookupError,
        NoRouteError,
        TCPTimedOutError,
        TimeoutError,
    )

    return (
        DownloadConnectionRefusedError,
        ConnectionRefusedError,
        CannotResolveHostError,
        DNSLookupError,
        NoRouteError,
        DownloadTimeoutError,
        TimeoutError,
        TCPTimedOutError,
    )
