"""Translate many texts through a backend: cache first, then packed, rate-limited, retried requests."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from cls_data.errors import ClsDataError
from cls_data.translate.base import PackMismatch, PermanentError, ServiceUnreachable, TransientError, Translator
from cls_data.translate.cache import TranslationCache


@dataclass
class EngineConfig:
    concurrency: int = 4  # requests in flight at once
    rate: float = 0.0  # most requests started per second over all workers; 0 = no limit
    max_retries: int = 6  # retries of one request after a 429, 5xx, timeout or garbled answer
    backoff_base: float = 1.0  # first retry waits about this long, then doubling
    backoff_max: float = 120.0  # no single wait is longer (Retry-After included)
    pack: bool = True  # several texts per request, up to the backend's limits


@dataclass
class PassStats:
    """What one translation pass (one direction) did."""

    texts: int = 0  # distinct texts asked for
    cache_hits: int = 0
    translated: int = 0  # newly translated and cached
    failed: int = 0
    requests: int = 0  # HTTP requests / model batches sent, retries included
    retries: int = 0
    pack_fallbacks: int = 0  # packed answers that did not split back; their texts went one by one
    failures: dict[str, str] = field(default_factory=dict)  # text -> last error

    def as_json(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "failures"}
        data["requests_per_text"] = round(self.requests / self.translated, 4) if self.translated else 0.0
        return data


class RateLimiter:
    """Spaces request starts by 1/rate seconds; `pause` holds every worker (a 429's Retry-After)."""

    def __init__(self, rate: float):
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next, self._paused_until)
            self._next = start + self._interval
        if start > now:
            time.sleep(start - now)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)


def pack_texts(texts: list[str], max_chars: int, max_items: int, separator_len: int = 1) -> list[list[str]]:
    """Greedy packs in input order: each pack's joined length fits `max_chars`."""
    packs: list[list[str]] = []
    current: list[str] = []
    size = 0
    for text in texts:
        extra = len(text) + (separator_len if current else 0)
        if current and (size + extra > max_chars or len(current) >= max_items):
            packs.append(current)
            current, size, extra = [], 0, len(text)
        current.append(text)
        size += extra
    if current:
        packs.append(current)
    return packs


class _Worker:
    def __init__(self, translator: Translator, src: str, tgt: str, config: EngineConfig, stats: PassStats):
        self.translator, self.src, self.tgt, self.config, self.stats = translator, src, tgt, config, stats
        self.limiter = RateLimiter(config.rate)
        self._lock = threading.Lock()
        self.reached_service = False  # has any request of this run been answered?

    def _count(self, name: str) -> None:
        with self._lock:
            setattr(self.stats, name, getattr(self.stats, name) + 1)

    def call(self, texts: list[str]) -> list[str]:
        """One request with retries; raises the last error when retries are spent."""
        config = self.config
        for attempt in range(config.max_retries + 1):
            self.limiter.wait()
            self._count("requests")
            try:
                answer = self.translator.translate(texts, self.src, self.tgt)
                self.reached_service = True
                return answer
            except TransientError as exc:
                if isinstance(exc, ServiceUnreachable) and not self.reached_service:
                    # Nothing has ever got through: retrying for minutes would only hide the cause.
                    raise ClsDataError(f"{exc} (no network?). Nothing is lost: finished translations "
                                       "stay in the cache; rerun when the service is reachable") from None
                if attempt == config.max_retries:
                    raise
                self._count("retries")
                delay = min(config.backoff_max, config.backoff_base * 2 ** attempt)
                delay = random.uniform(delay / 2, delay)  # jitter: workers do not retry in lockstep
                if exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, config.backoff_max))
                    self.limiter.pause(delay)  # the server asked everyone to wait, not just us
                time.sleep(delay)
        raise AssertionError("unreachable")

    def run_pack(self, texts: list[str]) -> list[tuple[str, str | None, str | None]]:
        """(text, translation, error) for each text of a pack."""
        if len(texts) > 1:
            try:
                return [_checked(t, out) for t, out in zip(texts, self.call(texts), strict=True)]
            except (PackMismatch, ValueError):  # ValueError: zip(strict) saw a wrong count
                self._count("pack_fallbacks")
            except (TransientError, PermanentError) as exc:
                return [(t, None, _describe(exc)) for t in texts]
        results = []
        for text in texts:
            try:
                (out,) = self.call([text])
                results.append(_checked(text, out))
            except (TransientError, PermanentError, PackMismatch, ValueError) as exc:
                results.append((text, None, _describe(exc)))
        return results


def _checked(text: str, out: str) -> tuple[str, str | None, str | None]:
    # An empty answer to a real text is a failure (a block page, a model that said nothing),
    # not a translation to score.
    if not out.strip() and text.strip():
        return text, None, "empty translation"
    return text, out, None


def _describe(exc: Exception) -> str:
    kind = {TransientError: "gave up after retries", PackMismatch: "answer did not match the request",
            PermanentError: "rejected"}.get(type(exc), type(exc).__name__)
    return f"{kind}: {exc}"


def translate_texts(
    texts: list[str],
    translator: Translator,
    src: str,
    tgt: str,
    cache: TranslationCache,
    config: EngineConfig | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, str], PassStats]:
    """Translate distinct `texts` (already normalised); returns text -> translation and the stats.

    Cached texts send nothing. Every finished request is committed to the cache before the
    next result is looked at, so a kill loses at most the requests in flight.
    """
    config = config or EngineConfig()
    unique = list(dict.fromkeys(texts))
    stats = PassStats(texts=len(unique))
    key = (translator.name, translator.model, src, tgt)
    done = cache.get_many(*key, unique)
    stats.cache_hits = len(done)
    if on_progress and done:
        on_progress(len(done))
    todo = [t for t in unique if t not in done]
    too_long = [t for t in todo if len(t) > translator.max_chars]
    for text in too_long:
        stats.failures[text] = f"rejected: {len(text)} characters, over the backend's {translator.max_chars} per request"
    todo = [t for t in todo if len(t) <= translator.max_chars]
    if on_progress and too_long:
        on_progress(len(too_long))  # settled (as failures) without a request: the bar still counts them
    max_items = translator.max_items if config.pack else 1
    packs = pack_texts(todo, translator.max_chars, max_items)
    worker = _Worker(translator, src, tgt, config, stats)
    with ThreadPoolExecutor(max_workers=max(1, config.concurrency)) as pool:
        pending = set()
        queue = iter(packs)
        try:
            while True:
                # Bounded submission: a kill leaves few started-but-unfinished requests behind.
                while len(pending) < 2 * max(1, config.concurrency):
                    pack = next(queue, None)
                    if pack is None:
                        break
                    pending.add(pool.submit(worker.run_pack, pack))
                if not pending:
                    break
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    results = future.result()
                    good = [(t, out) for t, out, error in results if error is None]
                    cache.put_many(*key, good)
                    done.update(good)
                    for t, _, error in results:
                        if error is not None:
                            stats.failures[t] = error
                    if on_progress:
                        on_progress(len(results))
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    stats.translated = len(done) - stats.cache_hits
    stats.failed = len(stats.failures)
    return done, stats
