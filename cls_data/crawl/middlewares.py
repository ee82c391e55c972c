"""Downloader middleware: Scrapy's retry, honouring Retry-After on 429/503."""

from __future__ import annotations

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future

from cls_data.retry_after import parse_retry_after


def retry_after_seconds(value: bytes | str | None, cap: float) -> float:
    """Seconds a Retry-After header asks for, capped; 0 if absent or unreadable."""
    return min(parse_retry_after(value) or 0.0, cap)


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retry, but a 429/503 with Retry-After waits as long as the server asked (capped)."""

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
