"""The request engine against real loopback servers: packing, faults, retries, failures, cache."""

from __future__ import annotations

import time

import pytest

from cls_data.translate import EngineConfig, TranslationCache, make_translator, translate_texts
from cls_data.translate.engine import RateLimiter, pack_texts
from tests.support.fake_mt import FakeMT, fake_translate

TEXTS = [f"tin số {i} hôm nay thành phố có mưa lớn ở quận {i % 7}" for i in range(30)]
FAST = dict(backoff_base=0.01, backoff_max=5.0)


def run(server, backend, tmp_path, texts=TEXTS, timeout=5.0, **engine):
    url = server.url + ("/m" if backend == "google" else "")
    translator = make_translator(backend, url=url, timeout=timeout, batch_size=8)
    src, tgt = translator.codes("vi", "zh")
    cache = TranslationCache(tmp_path / f"{backend}.sqlite")
    try:
        return translate_texts(texts, translator, src, tgt, cache, EngineConfig(**{**FAST, **engine}))
    finally:
        cache.close()


def expected(texts=TEXTS):
    return {t: fake_translate(t, "vi") for t in texts}


def test_packs_fit_the_character_limit_with_separators():
    texts = ["x" * 10] * 7
    packs = pack_texts(texts, max_chars=32, max_items=100)
    assert [len(p) for p in packs] == [3, 3, 1]  # 3*10 + 2 separators = 32
    assert all(sum(map(len, p)) + len(p) - 1 <= 32 for p in packs)
    assert [len(p) for p in pack_texts(texts, max_chars=10_000, max_items=2)] == [2, 2, 2, 1]


def test_rate_limiter_spaces_request_starts():
    limiter = RateLimiter(rate=20)
    start = time.monotonic()
    for _ in range(6):
        limiter.wait()
    assert time.monotonic() - start >= 5 / 20 - 0.01


@pytest.mark.parametrize("backend", ["google", "libretranslate"])
def test_packed_requests_translate_many_texts_per_request(backend, tmp_path, mt_server):
    done, stats = run(mt_server, backend, tmp_path)
    assert done == expected()
    assert stats.translated == 30 and stats.failed == 0
    assert stats.requests == (1 if backend == "google" else 4)  # 5,000 chars vs 8 texts per request


@pytest.mark.parametrize("backend", ["google", "libretranslate"])
@pytest.mark.parametrize("faults", [["429", "429", "429"], ["500", "503"], ["badjson", "badjson"], ["slow"]])
def test_transient_faults_are_retried_until_the_answers_are_right(backend, faults, tmp_path):
    with FakeMT(slow_seconds=1.5) as server:
        server.faults.extend(faults)
        done, stats = run(server, backend, tmp_path, timeout=0.5, concurrency=2)
    assert done == expected()
    assert stats.failed == 0 and stats.retries == len(faults)


def test_retry_after_is_honoured_by_every_worker(tmp_path):
    with FakeMT(retry_after="1") as server:
        server.faults.extend(["429"])
        start = time.monotonic()
        done, stats = run(server, "libretranslate", tmp_path, concurrency=1)
        elapsed = time.monotonic() - start
    assert done == expected() and stats.retries == 1
    assert elapsed >= 1.0  # backoff alone would have waited ~0.01 s


@pytest.mark.parametrize("backend", ["google", "libretranslate"])
def test_a_packed_answer_with_the_wrong_count_falls_back_to_single_requests(backend, tmp_path, mt_server):
    mt_server.faults.append("wrongcount")
    done, stats = run(mt_server, backend, tmp_path, concurrency=1)
    assert done == expected()
    assert stats.pack_fallbacks == 1 and stats.failed == 0
    singles = [r for r in mt_server.requests[1:] if len(r) == 1 and "\n" not in r[0]]
    assert len(singles) == (30 if backend == "google" else 8)


def test_texts_that_keep_failing_are_reported_not_translated(tmp_path, mt_server):
    mt_server.faults.extend(["500"] * 2)
    done, stats = run(mt_server, "libretranslate", tmp_path, concurrency=1, max_retries=1)
    assert stats.failed == 8 and len(done) == 22
    assert set(stats.failures) == set(TEXTS[:8]) and "HTTP 500" in stats.failures[TEXTS[0]]
    assert all(done[t] == fake_translate(t, "vi") for t in done)


def test_a_text_over_the_limit_fails_without_a_request(tmp_path, mt_server):
    long = "chữ " * 2000
    done, stats = run(mt_server, "google", tmp_path, texts=[long, "xin chào"])
    assert long not in done and "over the backend's 5000" in stats.failures[long]
    assert all(long not in r for r in mt_server.texts_requested())


def test_a_second_run_is_served_from_the_cache(tmp_path, mt_server):
    run(mt_server, "libretranslate", tmp_path)
    sent = len(mt_server.requests)
    done, stats = run(mt_server, "libretranslate", tmp_path)
    assert len(mt_server.requests) == sent and stats.requests == 0
    assert stats.cache_hits == 30 and done == expected()


def closed_port() -> int:
    import socket

    with socket.socket() as probe:  # bound, never listening: connections are refused
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_service_stops_the_run_at_once_with_one_clear_error(tmp_path):
    from cls_data.errors import ClsDataError
    from cls_data.translate.engine import PassStats, _Worker

    translator = make_translator("google", url=f"http://127.0.0.1:{closed_port()}/m", timeout=5.0)
    worker = _Worker(translator, "vi", "zh-CN", EngineConfig(max_retries=6, backoff_base=1.0), PassStats())
    start = time.monotonic()
    with pytest.raises(ClsDataError, match=r"cannot reach Google Translate at http://127\.0\.0\.1:\d+/m: .*no network"):
        worker.call(["xin chào"])
    assert worker.stats.requests == 1 and worker.stats.retries == 0  # no minutes of backoff first
    assert time.monotonic() - start < 5


def test_once_the_service_answered_a_refused_connection_is_retried_not_fatal(tmp_path):
    from cls_data.translate.base import ServiceUnreachable
    from cls_data.translate.engine import PassStats, _Worker

    translator = make_translator("google", url=f"http://127.0.0.1:{closed_port()}/m", timeout=5.0)
    worker = _Worker(translator, "vi", "zh-CN", EngineConfig(max_retries=2, **FAST), PassStats())
    worker.reached_service = True  # an earlier request of this run got through
    with pytest.raises(ServiceUnreachable):
        worker.call(["xin chào"])
    assert worker.stats.requests == 3 and worker.stats.retries == 2


def test_texts_too_long_for_one_request_fail_without_a_request_and_complete_the_progress(tmp_path):
    translator = make_translator("google", url="http://127.0.0.1:9/m", timeout=1.0)
    cache = TranslationCache(tmp_path / "c.sqlite")
    ticks = []
    try:
        done, stats = translate_texts(
            ["x" * 6000], translator, "vi", "zh-CN", cache, EngineConfig(**FAST), ticks.append
        )
    finally:
        cache.close()
    assert done == {} and stats.requests == 0 and "over the backend's 5000" in stats.failures["x" * 6000]
    assert sum(ticks) == 1
