"""The OpenAI-compatible LLM backend against a loopback chat server that misbehaves like a real one."""

from __future__ import annotations

import time

import pytest

from cls_data.errors import ClsDataError
from cls_data.openai_compat import API_KEY_ENV
from cls_data.text import language_problem
from cls_data.translate import EngineConfig, TranslationCache, make_translator, translate_texts
from cls_data.translate.openai_chat import CHATTER, clean_single, parse_numbered
from tests.support.fake_openai import MODEL, FakeChat, honest_line

TEXTS = [
    f"Ngày {i}/7 ,  Công ty Vingroup và ông Phạm Nhật Vượng công bố dự án &amp; kế hoạch số {i} tại Hà Nội"
    for i in range(24)
]
FAST = dict(backoff_base=0.01, backoff_max=5.0)


@pytest.fixture
def chat():
    with FakeChat() as server:
        yield server


def run(server, tmp_path, texts=TEXTS, model=MODEL, timeout=5.0, batch_size=6, cache="c.sqlite", tgt="zh", **engine):
    translator = make_translator("openai", url=server.url, model=model, timeout=timeout, batch_size=batch_size)
    try:
        src, tgt = translator.codes("vi", tgt)
        store = TranslationCache(tmp_path / cache)
        try:
            return translate_texts(texts, translator, src, tgt, store, EngineConfig(**{**FAST, **engine}))
        finally:
            store.close()
    finally:
        translator.close()


def honest(texts=TEXTS):
    return {t: honest_line(t) for t in texts}


def test_summaries_go_packed_as_numbered_lines_at_temperature_zero_and_come_back_in_order(chat, tmp_path):
    done, stats = run(chat, tmp_path, concurrency=1)
    assert done == honest() and stats.failed == 0
    assert stats.requests == 4  # 24 texts, 6 per request
    body = chat.requests[0]
    assert body["model"] == MODEL and body["temperature"] == 0
    system, user = body["messages"][0]["content"], body["messages"][1]["content"]
    assert "Simplified Chinese" in system and "nothing else" in system
    run(chat, tmp_path, texts=["Một văn bản riêng lẻ về giá xăng dầu hôm nay"], cache="single.sqlite")
    assert "translation only" in chat.requests[-1]["messages"][0]["content"]
    assert user.split("\n")[:2] == [f"1. {TEXTS[0]}", f"2. {TEXTS[1]}"]


@pytest.mark.parametrize("fault", ["chatter", "wrongcount", "renumber", "merge"])
def test_a_packed_answer_that_is_not_exactly_the_numbered_lines_is_retried_one_text_at_a_time(fault, chat, tmp_path):
    chat.faults.append(fault)
    done, stats = run(chat, tmp_path, concurrency=1)
    assert done == honest() and stats.failed == 0
    assert stats.pack_fallbacks == 1 and stats.rejects == {"packed answer with the wrong number of texts": 1}
    assert [len(t) for t in chat.texts_requested()[:7]] == [6, 1, 1, 1, 1, 1, 1]


@pytest.mark.parametrize("fault", ["quotes", "fence", "label"])
def test_known_wrappers_around_a_single_answer_are_cleaned(fault, chat, tmp_path):
    chat.faults.append(fault)
    done, stats = run(chat, tmp_path, texts=TEXTS[:1])
    assert done == honest(TEXTS[:1]) and stats.rejects == {} and stats.requests == 1


def test_chatter_around_a_single_answer_is_rejected_never_cached_and_asked_again(chat, tmp_path):
    chat.faults.extend(["chatter", "cut"])
    done, stats = run(chat, tmp_path, texts=TEXTS[:1])
    assert done == honest(TEXTS[:1]) and stats.requests == 3
    assert stats.rejects == {CHATTER: 1, "answer cut off at max_tokens": 1}


def test_an_answer_in_the_wrong_language_is_rejected_and_asked_again(chat, tmp_path):
    chat.faults.append("wronglang")  # the last line of the first pack comes back in English
    done, stats = run(chat, tmp_path, concurrency=1)
    assert done == honest() and all(language_problem(v, "zh") is None for v in done.values())
    assert stats.rejects == {"not Chinese": 1} and stats.pack_fallbacks == 1


def test_a_packed_request_over_the_context_is_asked_singly_and_a_single_one_fails_alone(tmp_path):
    long_text = "Một bản tin rất dài về thị trường bất động sản " * 12
    with FakeChat(context_chars=300) as chat:  # one summary fits, six do not
        done, stats = run(chat, tmp_path, texts=[*TEXTS[:6], long_text], concurrency=1)
    assert done == honest(TEXTS[:6]) and stats.rejects == {"packed request refused (HTTP 400)": 1}
    assert "HTTP 400: This model's maximum context length is 300" in stats.failures[long_text]
    assert all(body["max_tokens"] <= 4096 for body in chat.requests)


def test_429_with_retry_after_500s_truncated_json_and_slow_answers_are_retried(tmp_path):
    with FakeChat(retry_after="1", slow_seconds=1.5) as chat:
        chat.faults.extend(["429", "500", "badjson", "slow", "503"])
        start = time.monotonic()
        done, stats = run(chat, tmp_path, timeout=0.7, concurrency=1)
        elapsed = time.monotonic() - start
        statuses = chat.statuses
    assert done == honest() and stats.failed == 0
    assert stats.retries == 5 and 429 in statuses and 500 in statuses and 503 in statuses
    assert elapsed >= 1.0, "the 429's Retry-After: 1 was honoured"


def test_the_model_name_is_in_the_cache_key_and_a_rerun_sends_nothing(tmp_path):
    with FakeChat(models=(MODEL, "gemma-3-4b-it")) as chat:
        run(chat, tmp_path)
        sent = len(chat.requests)
        done, stats = run(chat, tmp_path)
        assert len(chat.requests) == sent and stats.cache_hits == len(TEXTS) and done == honest()
        _, stats = run(chat, tmp_path, model="gemma-3-4b-it", texts=TEXTS[:3])
        assert stats.cache_hits == 0 and stats.translated == 3


def test_the_key_goes_to_the_server_only_and_never_into_errors_or_the_cache(chat, tmp_path, monkeypatch):
    key = "sk-test-1234567890abcdef"
    chat.api_key = key
    monkeypatch.setenv(API_KEY_ENV, key)
    run(chat, tmp_path, texts=TEXTS[:2])
    assert all(h.get("Authorization") == f"Bearer {key}" for h in chat.headers)
    raw = (tmp_path / "c.sqlite").read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("c.sqlite-*"))
    assert key.encode() not in raw
    translator = make_translator("openai", url=chat.url, model=MODEL)
    assert key not in repr(translator) and key not in str(vars(translator).get("url"))
    monkeypatch.setenv(API_KEY_ENV, key + "-wrong")  # the server quotes the wrong key back in its error
    with pytest.raises(ClsDataError) as refused:
        make_translator("openai", url=chat.url, model=MODEL).codes("vi", "zh")
    assert "refused the request (HTTP 401)" in str(refused.value) and key not in str(refused.value)


def test_a_redirect_to_another_host_is_not_followed_so_the_key_stays_home(tmp_path, monkeypatch):
    with FakeChat() as elsewhere, FakeChat() as server:
        server.redirect_to = elsewhere.url.removesuffix("/v1")
        monkeypatch.setenv(API_KEY_ENV, "sk-secret-redirect")
        with pytest.raises(ClsDataError, match="redirects to .*give that as --translator-url"):
            make_translator("openai", url=server.url, model=MODEL).codes("vi", "zh")
        assert elsewhere.headers == []  # the other host never heard from us


def test_a_model_the_server_does_not_serve_and_a_missing_url_are_one_line(chat):
    with pytest.raises(ClsDataError, match=rf"does not serve model 'qwen-typo'; it serves: {MODEL}$"):
        make_translator("openai", url=chat.url, model="qwen-typo").codes("vi", "zh")
    with pytest.raises(ClsDataError, match="needs --translator-url .* and --model"):
        make_translator("openai", model=MODEL)
    with pytest.raises(ClsDataError, match="cannot reach the OpenAI-compatible server at http://127.0.0.1:9/v1"):
        make_translator("openai", url="http://127.0.0.1:9/v1", model=MODEL).codes("vi", "zh")


def test_the_parsers_clean_only_known_wrappers():
    assert clean_single("```text\n“你好，Nguyễn先生”\n```") == "你好，Nguyễn先生"
    assert clean_single("**Chinese translation:** 河内市") == "河内市"
    assert clean_single("<think>\nthe user wants Chinese\n</think>\n河内市") == "河内市"
    assert clean_single("他说“好”") == "他说“好”"  # quotes inside the text stay
    for chatty in ("Here is the translation: 河内市", "河内市\n\n(Note: a literal translation)"):
        with pytest.raises(Exception, match=CHATTER):
            clean_single(chatty)
    assert parse_numbered("```\n1. 甲\n\n2) “乙”\n```", 2) == ["甲", "乙"]
    with pytest.raises(Exception, match="not numbered 2"):
        parse_numbered("1. 甲\n3. 乙", 2)
