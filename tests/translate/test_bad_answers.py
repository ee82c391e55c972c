"""Answers that are wrong but well-formed, and a service that dies: against a real loopback server."""

from __future__ import annotations

import time

import pytest

from cls_data.errors import ClsDataError
from cls_data.text import language_problem
from cls_data.translate import EngineConfig, ServiceDown, TranslationCache, make_translator, translate_texts
from cls_data.translate.engine import REJECT_RETRIES
from tests.support.fake_mt import FakeMT, fake_translate

TEXTS = [f"tin số {i} hôm nay thành phố có mưa lớn ở quận {i % 7}" for i in range(30)]
FAST = dict(backoff_base=0.01, backoff_max=5.0)


def run(server, tmp_path, texts=TEXTS, backend="libretranslate", cache_name="c.sqlite", **engine):
    url = server.url + ("/m" if backend == "google" else "")
    translator = make_translator(backend, url=url, timeout=5.0, batch_size=8)
    src, tgt = translator.codes("vi", "zh")
    cache = TranslationCache(tmp_path / cache_name)
    try:
        return translate_texts(texts, translator, src, tgt, cache, EngineConfig(**{**FAST, **engine}))
    finally:
        cache.close()


def cached_rows(path) -> dict[str, str]:
    cache = TranslationCache(path)
    try:
        return dict(cache._db.execute("SELECT text, translation FROM translations"))
    finally:
        cache.close()


@pytest.mark.parametrize("backend", ["libretranslate", "google"])
def test_echoed_answers_are_rejected_counted_never_cached_and_asked_again(backend, tmp_path):
    with FakeMT(echo_rate=0.3) as server:  # 30% of texts come back untranslated the first time
        done, stats = run(server, tmp_path, backend=backend, concurrency=2)
    assert done == {t: fake_translate(t, "vi") for t in TEXTS}
    assert all(language_problem(out, "zh") is None for out in done.values())
    assert stats.rejects["echo of the source"] > 0 and stats.failed == 0
    assert cached_rows(tmp_path / "c.sqlite") == done


def test_a_service_that_always_echoes_fails_every_text_quickly_and_caches_nothing(tmp_path):
    with FakeMT(echo_rate=1.0, echo_always=True) as server:
        done, stats = run(server, tmp_path, concurrency=2)
        requests = len(server.requests)
    assert done == {} and stats.failed == 30
    assert all("echo of the source" in error for error in stats.failures.values())
    assert requests <= 4 + 30 * (REJECT_RETRIES + 1)  # a few quick tries per text, no backoff loop
    assert cached_rows(tmp_path / "c.sqlite") == {}


@pytest.mark.parametrize("backend", ["libretranslate", "google"])
def test_a_packed_answer_with_an_empty_string_is_retried_one_by_one(backend, tmp_path, mt_server):
    mt_server.faults.append("empty")
    done, stats = run(mt_server, tmp_path, backend=backend, concurrency=1)
    assert done == {t: fake_translate(t, "vi") for t in TEXTS} and stats.failed == 0
    assert sum(stats.rejects.values()) == 1 and stats.pack_fallbacks == 1
    assert "" not in cached_rows(tmp_path / "c.sqlite").values()


def test_a_packed_answer_with_the_wrong_count_is_counted_by_reason(tmp_path, mt_server):
    mt_server.faults.append("wrongcount")
    done, stats = run(mt_server, tmp_path, concurrency=1)
    assert done == {t: fake_translate(t, "vi") for t in TEXTS} and stats.failed == 0
    assert stats.rejects == {"packed answer with the wrong number of texts": 1}


def test_junk_already_in_the_cache_is_not_reused(tmp_path, mt_server):
    cache = TranslationCache(tmp_path / "c.sqlite")
    # What an older version cached from an echoing service: the source itself, and an empty answer.
    cache.put_many("libretranslate", mt_server.url, "vi", "zh", [(TEXTS[0], TEXTS[0]), (TEXTS[1], "")])
    cache.close()
    done, stats = run(mt_server, tmp_path, concurrency=1)
    assert stats.cache_rejected == 2 and stats.cache_hits == 0
    assert done == {t: fake_translate(t, "vi") for t in TEXTS}
    assert TEXTS[0] in mt_server.texts_requested() and TEXTS[1] in mt_server.texts_requested()
    assert cached_rows(tmp_path / "c.sqlite")[TEXTS[0]] == fake_translate(TEXTS[0], "vi")


def test_a_service_that_dies_mid_run_stops_the_pass_within_the_give_up_time(tmp_path):
    with FakeMT(die_after=1) as server:  # the first request is answered, then nothing
        start = time.monotonic()
        with pytest.raises(ServiceDown) as stopped:
            run(server, tmp_path, concurrency=2, max_retries=1000, backoff_base=0.2, give_up_after=2.0)
        elapsed = time.monotonic() - start
    message = str(stopped.value)
    assert elapsed < 10, "the breaker should stop all workers soon after 2 s without a success"
    assert "no vi → zh request has succeeded for 2 s" in message and "\n" not in message
    assert f"8 of 30 vi → zh translations are cached in {tmp_path / 'c.sqlite'}" in message
    assert message.endswith("rerun the same command to resume")
    assert len(cached_rows(tmp_path / "c.sqlite")) == 8


def test_a_slow_but_working_service_does_not_trip_the_breaker(tmp_path):
    with FakeMT(delay=0.3) as server:
        done, stats = run(server, tmp_path, concurrency=1, give_up_after=1.0)
    assert len(done) == 30 and stats.failed == 0


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (dict(max_retries=-1), "--retries must be a whole number of 0 or more, got -1"),
        (dict(concurrency=0), "--concurrency must be a whole number of 1 or more, got 0"),
        (dict(give_up_after=0), "--give-up-after must be more than 0, got 0"),
        (dict(rate=-1.0), "--rate must be at least 0, got -1.0"),
    ],
)
def test_engine_settings_out_of_range_are_refused_with_the_option_named(setting, message):
    with pytest.raises(ClsDataError, match=message.replace(".", r"\.")):
        EngineConfig(**setting)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (dict(timeout=0), "--timeout must be more than 0 seconds, got 0"),
        (dict(batch_size=0), "--batch-size must be a whole number of 1 or more, got 0"),
    ],
)
def test_backend_settings_out_of_range_are_refused_before_a_backend_is_built(setting, message):
    with pytest.raises(ClsDataError, match=message):
        make_translator("libretranslate", url="http://127.0.0.1:9", **setting)


def test_garbage_is_rejected_even_with_the_language_check_off():
    from cls_data.translate.validate import answer_problem

    assert answer_problem("Hà Nội mưa to", "H时\ufffd", "vi", "zh", language=False) == "replacement characters (U+FFFD)"
    assert answer_problem("Hà Nội mưa to", "河内下大雨", "vi", "zh", language=False) is None
