"""LibreTranslate specifics: the API key, Retry-After parsing, language resolution."""

from __future__ import annotations

import email.utils
import time

import pytest

from cls_data.errors import ClsDataError
from cls_data.retry_after import parse_retry_after
from cls_data.translate.libretranslate import API_KEY_ENV, LibreTranslateTranslator
from tests.support.fake_mt import fake_translate


def test_the_api_key_comes_from_the_environment(monkeypatch, mt_server):
    mt_server.api_key = "s3cret"
    monkeypatch.setenv(API_KEY_ENV, "s3cret")
    assert LibreTranslateTranslator(mt_server.url).translate(["xin chào"], "vi", "zh") == [
        fake_translate("xin chào", "vi")
    ]
    monkeypatch.setenv(API_KEY_ENV, "wrong")
    with pytest.raises(ClsDataError, match=f"refused the request .*{API_KEY_ENV}"):
        LibreTranslateTranslator(mt_server.url).translate(["xin chào"], "vi", "zh")


def test_retry_after_accepts_seconds_and_http_dates():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= parse_retry_after(later) <= 31


def test_language_codes_are_resolved_against_the_server(mt_server):
    translator = LibreTranslateTranslator(mt_server.url)
    assert translator.codes("vi", "zh-CN") == ("vi", "zh")
    with pytest.raises(ClsDataError, match="cannot reach LibreTranslate"):
        LibreTranslateTranslator("http://127.0.0.1:9").codes("vi", "zh")
