"""Translate many texts through a backend: cache first, then packed, rate-limited, retried requests."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from cls_data.errors import ClsDataError, Interrupted
from cls_data.translate.base import (
    PackMismatch,
    PermanentError,
    RejectedAnswer,
    ServiceDown,
    ServiceUnreachable,
    TransientError,
    Translator,
)
from cls_data.translate.cache import TranslationCache
from cls_data.translate.validate import answer_problem

# An answer that fails validation (echo, empty, wrong script) is asked again, one text per
# request, at most this many times: a flaky service gets another chance, while a service that
# always echoes a text costs a few quick requests, not minutes of backoff.
REJECT_RETRIES = 2
WRONG_COUNT = "packed answer with the wrong number of texts"
RESUME = "rerun the same command to resume"


@dataclass
class EngineConfig:
    concurrency: int = 4  # requests in flight at once
    rate: float = 0.0  # most requests started per second over all workers; 0 = no limit
    max_retries: int = 6  # retries of one request after a 429, 5xx, timeout or garbled answer
    backoff_base: float = 1.0  # first retry waits about this long, then doubling
    backoff_max: float = 120.0  # no single wait is longer (Retry-After included)
    pack: bool = True  # several texts per request, up to the backend's limits
    give_up_after: float = 300.0  # stop the run when no request has succeeded for this long (seconds)
    resume: str = RESUME  # how to resume, said when the run stops early (e.g. "resume with: cls-data ...")
    check_language: bool = True  # reject answers not in the target language's script (echo/empty always)

    def __post_init__(self) -> None:
        """A setting out of range stops with one line naming the CLI option, before any request."""
        for option, value, low in (("--concurrency", self.concurrency, 1), ("--retries", self.max_retries, 0)):
            if not isinstance(value, int) or value < low:
                raise ClsDataError(f"{option} must be a whole number of {low} or more, got {value}")
        for option, value, positive in (
            ("--rate", self.rate, False),
            ("--backoff", self.backoff_base, False),
            ("--give-up-after", self.give_up_after, True),
        ):
            if not value >= 0 or (positive and value == 0):  # `not >=` also refuses NaN
                raise ClsDataError(f"{option} must be {'more than' if positive else 'at least'} 0, got {value}")


@dataclass
class PassStats:
    """What one translation pass (one direction) did."""

    texts: int = 0  # distinct texts asked for
    cache_hits: int = 0
    translated: int = 0  # newly translated and cached
    failed: int = 0
    requests: int = 0  # HTTP requests / model batches sent, retries included
    retries: int = 0
    pack_fallbacks: int = 0  # packed answers with rejected parts; those texts went one by one
    rejects: Counter = field(default_factory=Counter)  # answers rejected (never cached), by reason
    cache_rejected: int = 0  # cached answers that fail validation today: asked again
    failures: dict[str, str] = field(default_factory=dict)  # text -> last error
    servers: dict[str, int] = field(default_factory=dict)  # several --translator-url: texts each server answered

    def as_json(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "failures"}
        data["rejects"] = dict(sorted(self.rejects.items()))
        data["requests_per_text"] = round(self.requests / self.translated, 4) if self.translated else 0.0
        return data


class RateLimiter:
    """Spaces request starts by 1/rate seconds; `pause` holds every worker (a 429's Retry-After)."""

    def __init__(self, rate: float):
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def wait(self, stop: threading.Event | None = None) -> None:
        """Until this worker may start a request; `stop` (a trip, Ctrl-C) ends the wait early."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next, self._paused_until)
            self._next = start + self._interval
        if start > now:
            if stop is None:
                time.sleep(start - now)
            else:
                stop.wait(start - now)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)


class Breaker:
    """Shared by every worker of a pass: trips when no request has succeeded for `seconds`.

    A service that died mid-run would otherwise be retried text by text for hours; `stop` also
    wakes every worker sleeping in a backoff (a trip, Ctrl-C).
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.last_success = time.monotonic()
        self.stop = threading.Event()

    def success(self) -> None:
        self.last_success = time.monotonic()

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.last_success)

    def check(self, last_error: str) -> None:
        if self.stop.is_set() or self.remaining() <= 0:
            self.stop.set()
            raise _Stopped(last_error)

    def sleep(self, seconds: float) -> None:
        """Sleep, but not past the moment the breaker trips nor past a stop."""
        self.stop.wait(max(0.0, min(seconds, self.remaining() + 0.01)))


class _Stopped(Exception):
    """A worker stops: the breaker tripped or the run was interrupted; carries the last error."""


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
        self.breaker = Breaker(config.give_up_after)
        self._lock = threading.Lock()
        self.reached_service = False  # has any request of this run been answered?
        self.last_error = "no answer yet"

    def _count(self, name: str) -> None:
        with self._lock:
            setattr(self.stats, name, getattr(self.stats, name) + 1)

    def _reject(self, reason: str) -> None:
        with self._lock:
            self.stats.rejects[reason] += 1
            self.last_error = f"rejected answer: {reason}"

    def check(self, text: str, answer: str) -> str | None:
        return answer_problem(text, answer, self.src, self.tgt, self.config.check_language)

    def call(self, texts: list[str]) -> list[str]:
        """One request with retries; raises the last error when retries are spent.

        Raises `_Stopped` instead of waiting on once the breaker has tripped.
        """
        config = self.config
        for attempt in range(config.max_retries + 1):
            self.breaker.check(self.last_error)
            self.limiter.wait(self.breaker.stop)
            self.breaker.check(self.last_error)  # a long Retry-After pause may have used up the time
            self._count("requests")
            try:
                answer = self.translator.translate(texts, self.src, self.tgt)
                self.reached_service = True
                return answer
            except (RejectedAnswer, PackMismatch):
                self.reached_service = True  # it answered: not a retry with backoff, the caller decides
                raise
            except TransientError as exc:
                if isinstance(exc, ServiceUnreachable) and not self.reached_service:
                    # Nothing has ever got through: retrying for minutes would only hide the cause.
                    raise ClsDataError(
                        f"{exc} (no network?). Nothing is lost: finished translations "
                        "stay in the cache; rerun when the service is reachable"
                    ) from None
                self.last_error = str(exc)
                if attempt == config.max_retries:
                    raise
                self._count("retries")
                delay = min(config.backoff_max, config.backoff_base * 2**attempt)
                delay = random.uniform(delay / 2, delay)  # jitter: workers do not retry in lockstep
                if exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, config.backoff_max))
                    self.limiter.pause(delay)  # the server asked everyone to wait, not just us
                self.breaker.sleep(delay)
        raise AssertionError("unreachable")

    def run_pack(self, texts: list[str]) -> list[tuple[str, str | None, str | None]]:
        """(text, translation, error) for each text of a pack; only validated answers come back."""
        settled: dict[str, tuple[str, str | None, str | None]] = {}
        redo = texts
        if len(texts) > 1:
            try:
                answers = self.call(texts)
                if len(answers) != len(texts):
                    raise PackMismatch(f"sent {len(texts)} texts, got {len(answers)} back")
            except PackMismatch:
                self._reject(WRONG_COUNT)
            except RejectedAnswer as exc:
                self._reject(exc.reason)
            except (TransientError, PermanentError) as exc:
                return [(t, None, _describe(exc)) for t in texts]
            else:
                redo = []
                for text, answer in zip(texts, answers, strict=False):
                    problem = self.check(text, answer)
                    if problem is None:
                        settled[text] = (text, answer, None)
                    else:
                        self._reject(problem)
                        redo.append(text)
                if settled:
                    self.breaker.success()
            if redo:
                self._count("pack_fallbacks")
        for text in redo:
            settled[text] = self.single(text)
        return [settled[t] for t in texts]

    def single(self, text: str) -> tuple[str, str | None, str | None]:
        """One text alone; a rejected answer is asked again up to REJECT_RETRIES times."""
        problem = None
        for attempt in range(REJECT_RETRIES + 1):
            if attempt:
                self._count("retries")
            try:
                answers = self.call([text])
            except RejectedAnswer as exc:
                problem = exc.reason
                self._reject(problem)
                continue
            except (TransientError, PermanentError, PackMismatch) as exc:
                return text, None, _describe(exc)
            problem = WRONG_COUNT if len(answers) != 1 else self.check(text, answers[0])
            if problem is None:
                self.breaker.success()
                return text, answers[0], None
            self._reject(problem)
        return text, None, f"rejected answer: {problem} ({REJECT_RETRIES + 1} tries)"


def _describe(exc: Exception) -> str:
    kind = {
        TransientError: "gave up after retries",
        PackMismatch: "answer did not match the request",
        PermanentError: "rejected",
    }.get(type(exc), type(exc).__name__)
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

    Cached texts send nothing. Every answer is validated (`validate.answer_problem`) before it is
    cached; a cached answer that fails validation is asked again. Every finished request is
    committed to the cache before the next result is looked at, so a kill loses at most the
    requests in flight. When no request has succeeded for `config.give_up_after` seconds the
    pass stops with `ServiceDown`, and Ctrl-C with `Interrupted`: both say how much is cached
    and how to resume.
    """
    config = config or EngineConfig()
    unique = list(dict.fromkeys(texts))
    stats = PassStats(texts=len(unique))
    key = (translator.name, translator.model, src, tgt)
    done = _from_cache(cache, key, unique, config, stats)
    if on_progress and done:
        on_progress(len(done))
    todo = _sendable([t for t in unique if t not in done], translator, stats, on_progress)
    max_items = translator.max_items if config.pack else 1
    packs = pack_texts(todo, translator.max_chars, max_items)
    worker = _Worker(translator, src, tgt, config, stats)
    served_before = dict(getattr(translator, "served", {}))  # a pool of servers counts what each answered

    def settle(results: list[tuple[str, str | None, str | None]]) -> None:
        good = [(t, out) for t, out, error in results if error is None]
        cache.put_many(*key, good)
        done.update(good)
        stats.translated += len(good)
        for t, _, error in results:
            if error is not None:
                stats.failures[t] = error
        if on_progress:
            on_progress(len(results))

    def where() -> str:
        return (
            f"{len(done):,} of {len(unique):,} {src} → {tgt} translations are cached in {cache.path}"
            f" (answers that failed validation are not); {config.resume}"
        )

    _send_packs(packs, worker, settle, config, f"{src} → {tgt}", where)
    stats.failed = len(stats.failures)
    if hasattr(translator, "served"):
        stats.servers = {url: n - served_before.get(url, 0) for url, n in translator.served.items()}
    return done, stats


def _from_cache(
    cache: TranslationCache, key: tuple[str, str, str, str], unique: list[str], config: EngineConfig, stats: PassStats
) -> dict[str, str]:
    """The cached translations of `unique` that still pass validation (the others are asked again)."""
    src, tgt = key[2], key[3]
    done = cache.get_many(*key, unique)
    stale = [t for t, out in done.items() if answer_problem(t, out, src, tgt, config.check_language)]
    for text in stale:
        del done[text]
    stats.cache_rejected = len(stale)
    stats.cache_hits = len(done)
    return done


def _sendable(
    todo: list[str], translator: Translator, stats: PassStats, on_progress: Callable[[int], None] | None
) -> list[str]:
    """The texts one request can carry; longer ones are failures, settled without a request."""
    too_long = [t for t in todo if len(t) > translator.max_chars]
    for text in too_long:
        stats.failures[text] = (
            f"rejected: {len(text)} characters, over the backend's {translator.max_chars} per request"
        )
    if on_progress and too_long:
        on_progress(len(too_long))  # settled (as failures) without a request: the bar still counts them
    return [t for t in todo if len(t) <= translator.max_chars]


def _send_packs(
    packs: list[list[str]],
    worker: _Worker,
    settle: Callable[[list], None],
    config: EngineConfig,
    pair: str,
    where: Callable[[], str],
) -> None:
    """Every pack through the worker, `config.concurrency` at a time, each result settled as it comes."""
    with ThreadPoolExecutor(max_workers=config.concurrency) as pool:
        pending: set = set()
        queue = iter(packs)
        try:
            while True:
                # Bounded submission: a kill leaves few started-but-unfinished requests behind.
                while len(pending) < 2 * config.concurrency:
                    pack = next(queue, None)
                    if pack is None:
                        break
                    pending.add(pool.submit(worker.run_pack, pack))
                if not pending:
                    break
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    settle(future.result())
        except _Stopped as stop:
            _drain(pending, worker, settle)
            raise ServiceDown(
                f"no {pair} request has succeeded for {config.give_up_after:g} s"
                f" (last error: {stop}); stopped. {where()}"
            ) from None
        except KeyboardInterrupt:
            _drain(pending, worker, settle)
            raise Interrupted(f"interrupted. {where()}") from None
        except BaseException:
            worker.breaker.stop.set()
            for future in pending:
                future.cancel()
            raise


def _drain(pending: set, worker: _Worker, settle: Callable) -> None:
    """Stop every worker, and keep what the requests in flight finished with."""
    worker.breaker.stop.set()
    for future in pending:
        future.cancel()
    for future in pending:
        if future.cancelled():
            continue
        try:
            settle(future.result())
        except BaseException:  # a worker that stopped midway has nothing to keep
            pass
