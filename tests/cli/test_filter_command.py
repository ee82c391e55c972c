"""`cls-data filter` as a user runs it: summaries, errors, faults, and a kill in the middle."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from cls_data.records import write_jsonl
from tests.support.articles import make_articles
from tests.support.cli import cli_command, run_cli
from tests.support.fake_mt import FakeMT

OUTPUTS = ("scored.jsonl", "kept.jsonl", "failures.jsonl")


def filter_cmd(input, out, server, cache, *extra, backend="libretranslate"):
    url = server.url + ("/m" if backend == "google" else "")
    return [
        "filter",
        str(input),
        "--keep",
        "11",
        "--out",
        str(out),
        "--translator",
        backend,
        "--translator-url",
        url,
        "--cache",
        str(cache),
        "--backoff",
        "0.01",
        "--quiet",
        *extra,
    ]


def run(args, **kwargs):
    return run_cli(*args, timeout=120, **kwargs)


def test_cli_prints_the_cut_off_and_writes_the_outputs(tmp_path, articles_file, mt_server):
    result = run(filter_cmd(articles_file, tmp_path / "out", mt_server, tmp_path / "c.sqlite"))
    assert result.returncode == 0, result.stderr
    assert "kept 11 of 40 scored" in result.stdout and "cut-off mean" in result.stdout
    assert all((tmp_path / "out" / name).exists() for name in (*OUTPUTS, "report.json", "report.png"))
    again = run(filter_cmd(articles_file, tmp_path / "out", mt_server, tmp_path / "c.sqlite", "--keep", "99"))
    assert "requests sent 0 (0 retries), cache hits 80" in again.stdout
    assert "warning: --keep 99 but only 40" in " ".join(again.stderr.split())


def test_cli_input_error_is_one_line(tmp_path, mt_server):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n')
    result = run(filter_cmd(bad, tmp_path / "out", mt_server, tmp_path / "c.sqlite"))
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error:") and "missing required field" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("backend", ["libretranslate", "google"])
def test_faults_do_not_change_the_top_k(backend, tmp_path, articles_file):
    outputs = {}
    for name, faults in (("clean", []), ("faulty", ["429", "500", "slow", "badjson", "wrongcount", "503", "429"])):
        with FakeMT(slow_seconds=1.5) as server:
            server.faults.extend(faults)
            result = run(
                filter_cmd(
                    articles_file,
                    tmp_path / name,
                    server,
                    tmp_path / f"{name}.sqlite",
                    "--timeout",
                    "0.5",
                    "--batch-size",
                    "4",
                    "--concurrency",
                    "2",
                    backend=backend,
                )
            )
            assert result.returncode == 0, result.stderr
            assert server.statuses.count(200) < len(server.statuses) or not faults
        outputs[name] = [(tmp_path / name / f).read_text() for f in OUTPUTS]
    assert outputs["faulty"] == outputs["clean"]


def _cached_texts(cache: Path) -> set[str]:
    if not cache.exists():
        return set()
    try:
        with sqlite3.connect(cache) as db:
            return {row[0] for row in db.execute("SELECT text FROM translations")}
    except sqlite3.OperationalError:  # table not created yet
        return set()


def test_a_killed_run_resumes_from_the_cache_and_ends_with_the_same_files(tmp_path):
    articles = tmp_path / "articles.jsonl"
    write_jsonl(articles, make_articles(60, seed=1))
    with FakeMT() as server:
        reference = run(
            filter_cmd(
                articles, tmp_path / "ref", server, tmp_path / "ref.sqlite", "--batch-size", "2", "--concurrency", "1"
            )
        )
        assert reference.returncode == 0, reference.stderr

    with FakeMT(delay=0.05) as server:
        cache = tmp_path / "kill.sqlite"
        args = filter_cmd(articles, tmp_path / "out", server, cache, "--batch-size", "2", "--concurrency", "1")
        process = subprocess.Popen(cli_command(*args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(_cached_texts(cache)) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        cached = _cached_texts(cache)
        assert 20 <= len(cached) < 120, "the kill should land mid-run"
        assert not (tmp_path / "out" / "kept.jsonl").exists()
        before = len(server.requests)

        resumed = run(args)
        assert resumed.returncode == 0, resumed.stderr
        asked_again = {t for request in server.requests[before:] for t in request}
        assert asked_again and not asked_again & cached
    for name in OUTPUTS:
        assert (tmp_path / "out" / name).read_text() == (tmp_path / "ref" / name).read_text()


def test_no_network_is_one_line_within_seconds_not_minutes_of_retries(tmp_path, articles_file):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        start = time.monotonic()
        result = run(
            [
                "filter",
                str(articles_file),
                "--keep",
                "5",
                "--out",
                str(tmp_path / "out"),
                "--translator-url",
                f"http://127.0.0.1:{port}/m",
                "--cache",
                str(tmp_path / "c.sqlite"),
                "--quiet",
            ]
        )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("error: cannot reach Google Translate")
    assert time.monotonic() - start < 30
