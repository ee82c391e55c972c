"""Several translation servers behind `--translator-url A,B,C`: spread by load, a dying one drained, nothing lost."""

from __future__ import annotations

import time

import pytest

from cls_data.errors import ClsDataError
from cls_data.filter.run import FilterConfig, run_filter
from cls_data.translate import EngineConfig, TranslationCache, make_translator, translate_texts
from cls_data.translate.pool import ServerPool
from tests.support.fake_mt import FakeMT


def filter_config(tmp_path, articles_file, url: str, name: str) -> FilterConfig:
    return FilterConfig(
        input=articles_file,
        out=tmp_path / name,
        keep=10,
        translator="libretranslate",
        translator_url=url,
        cache=tmp_path / f"{name}.sqlite",
        backoff_base=0.01,
        concurrency=6,
        batch_size=4,
    )


def test_three_servers_with_one_dying_midway_score_byte_identically_to_one_honest_server(tmp_path, articles_file):
    with FakeMT() as honest:
        run_filter(filter_config(tmp_path, articles_file, honest.url, "single"))
    with FakeMT(delay=0.01) as a, FakeMT(delay=0.01, die_after=3) as dying, FakeMT(delay=0.01) as c:
        result = run_filter(filter_config(tmp_path, articles_file, ",".join([a.url, dying.url, c.url]), "pool"))
    assert (tmp_path / "pool" / "scored.jsonl").read_bytes() == (tmp_path / "single" / "scored.jsonl").read_bytes()
    assert result.report.counts.failed == 0
    passes = result.report.translation
    asked = sum(stats.texts for stats in passes.values())
    answered = [len(texts) for server in (a, dying, c) for texts in server.requests]
    assert sum(answered) == asked  # every text answered once: none lost, none twice
    served = {url: sum(stats.servers.get(url, 0) for stats in passes.values()) for url in (a.url, dying.url, c.url)}
    assert (
        served[dying.url] == sum(len(texts) for texts in dying.requests[:3]) and served[a.url] > 0 and served[c.url] > 0
    )
    assert sum(served.values()) == asked


def test_requests_go_to_the_least_loaded_server(tmp_path):
    with FakeMT(delay=0.05) as a, FakeMT(delay=0.05) as b:
        pool = make_translator("libretranslate", url=f"{a.url},{b.url}", batch_size=1)
        assert isinstance(pool, ServerPool)
        texts = [f"Tin số {i}: Hà Nội mưa to." for i in range(24)]
        cache = TranslationCache(tmp_path / "c.sqlite")
        done, stats = translate_texts(texts, pool, "vi", "zh", cache, EngineConfig(concurrency=4, pack=False))
        cache.close(), pool.close()
    assert len(done) == 24 and stats.failed == 0
    assert (
        stats.servers == {a.url: len(a.requests), b.url: len(b.requests)}
        and abs(len(a.requests) - len(b.requests)) <= 4
    )


def test_a_drained_server_is_used_again_once_it_is_back(tmp_path):
    with FakeMT() as a, FakeMT() as b:
        pool = ServerPool(
            [make_translator("libretranslate", url=u) for u in (a.url, b.url)], [a.url, b.url], cooldown=0.05
        )
        a.faults.extend(["503"])
        assert pool.translate(["Hà Nội mưa to."], "vi", "zh")  # a fails, b answers
        assert pool.balancer.drained[a.url] == 1 and pool.served == {a.url: 0, b.url: 1}
        time.sleep(0.1)
        for _ in range(4):
            pool.translate(["Đà Nẵng nắng nóng."], "vi", "zh")
        assert pool.served[a.url] >= 1  # back in rotation
        pool.close()


def test_the_texts_answered_per_server_are_in_the_filter_summary(tmp_path, articles_file):
    from tests.support.cli import run_cli

    with FakeMT() as a, FakeMT() as b:
        urls = f"{a.url},{b.url}"
        done = run_cli(
            "filter",
            str(articles_file),
            "--out",
            str(tmp_path / "out"),
            "--translator",
            "libretranslate",
            "--translator-url",
            urls,
            "--cache",
            str(tmp_path / "c.sqlite"),
            "--keep",
            "5",
            "--quiet",
        )
    assert done.returncode == 0, done.stderr
    counts = {url: sum(map(len, server.requests)) for url, server in ((a.url, a), (b.url, b))}
    assert f"texts answered per server: {a.url} {counts[a.url]}, {b.url} {counts[b.url]}" in " ".join(
        done.stdout.split()
    )


def test_when_every_server_is_unreachable_at_the_start_it_is_one_line(tmp_path, articles_file):
    import socket

    ports = []
    for _ in range(2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    urls = ",".join(f"http://127.0.0.1:{port}" for port in ports)
    with pytest.raises(ClsDataError, match="cannot reach LibreTranslate"):
        run_filter(filter_config(tmp_path, articles_file, urls, "none"))
