"""Pytest fixtures over the shared fakes, registered for the whole suite by tests/conftest.py."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from cls_data.records import write_jsonl
from tests.support import corpora
from tests.support.articles import make_articles
from tests.support.cls_dataset import build_cls_dataset
from tests.support.fake_mt import FakeMT
from tests.support.fixture_site import FixtureSite


@pytest.fixture
def articles_file(tmp_path) -> Path:
    path = tmp_path / "articles.jsonl"
    write_jsonl(path, make_articles(40))
    return path


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory) -> Path:
    """A small Vi2ZhLow folder written by the real builder (train 24 with nested 8 and 16, validation 6, test 6)."""
    return build_cls_dataset(
        tmp_path_factory.mktemp("datasets"), train=24, validation=6, test=6, subsets=(8, 16), text_words=24
    )


@pytest.fixture
def mt_server():
    with FakeMT() as server:
        yield server


@pytest.fixture
def site_server():
    servers = []

    def start(site: str, **kwargs) -> FixtureSite:
        server = FixtureSite(site, **kwargs).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture
def offline_hub(monkeypatch, tmp_path_factory):
    """No network for the Hub libraries, a private HF home, and a fake token that must never leak."""
    home = tmp_path_factory.mktemp("hf_home")
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HOME": str(home),
        "HF_DATASETS_CACHE": str(home / "datasets"),
        "HF_TOKEN": "hf_secret_test_token",
    }.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def kept_jsonl(tmp_path) -> Path:
    path = tmp_path / "kept.jsonl"
    write_jsonl(path, corpora.vi_samples(100))
    return path


@pytest.fixture
def gen():
    """The corpus generators, as one namespace."""
    return types.SimpleNamespace(
        vi_samples=corpora.vi_samples,
        write_en2zh=corpora.write_en2zh,
        write_zh2en=corpora.write_zh2en,
        run_cli=corpora.run_cli,
        words=corpora.words,
        han=corpora.han,
        SMALL=corpora.SMALL,
        VI_SYLLABLES=corpora.VI_SYLLABLES,
    )


@pytest.fixture
def hub(monkeypatch):
    """The local Hub stand-in (tests/support/fake_hub.py), with huggingface_hub allowed online to reach it."""
    import huggingface_hub.constants

    from tests.support.fake_hub import fake_hub

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # offline_hub sets offline for the rest
    with fake_hub() as state:
        yield state
