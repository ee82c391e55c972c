"""`cls-data filter` and `cls-data cache` under faults, as a user meets them: one line, never a traceback."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time

import pytest

from cls_data.records import CLSSample, read_jsonl
from cls_data.text import language_problem
from cls_data.translate import TranslationCache
from tests.cli.test_filter_command import filter_cmd as command_line
from tests.support.cli import cli_command, run_cli
from tests.support.fake_mt import FakeMT


def filter_cmd(input, out, server, cache, *extra, backend="google"):
    """test_filter_command's command line, with Google's web endpoint as the default backend here."""
    return command_line(input, out, server, cache, *extra, backend=backend)


def run(args, **kwargs):
    return run_cli(*args, timeout=120, **kwargs)


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_an_echoing_service_never_puts_an_untranslated_summary_in_kept(tmp_path, articles_file):
    with FakeMT(echo_rate=0.3) as server:
        result = run(
            filter_cmd(
                articles_file, tmp_path / "out", server, tmp_path / "c.sqlite", "--keep", "40", backend="libretranslate"
            )
        )
    assert result.returncode == 0, result.stderr
    kept = list(read_jsonl(tmp_path / "out" / "kept.jsonl", CLSSample))
    assert len(kept) == 40 and all(language_problem(s.cls_summary, "zh") is None for s in kept)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["translation"]["forward"]["rejects"]["echo of the source"] > 0


def test_a_service_that_dies_mid_run_stops_with_one_line_and_the_rerun_resumes(tmp_path, articles_file):
    cache = tmp_path / "c.sqlite"
    with FakeMT(die_after=5) as server:
        args = filter_cmd(
            articles_file,
            tmp_path / "out",
            server,
            cache,
            "--give-up-after",
            "2",
            "--retries",
            "1000",
            "--backoff",
            "0.2",
            "--concurrency",
            "2",
            "--no-pack",
        )
        start = time.monotonic()
        result = run(args)
        elapsed = time.monotonic() - start
    line = one_line(result.stderr)
    assert result.returncode == 2 and elapsed < 30
    assert line.startswith("error: no vi → zh-CN request has succeeded for 2 s (last error:")
    said = re.search(rf"(\d+) of 40 vi → zh-CN translations are cached in {re.escape(str(cache))}", line)
    assert line.endswith("resume with: cls-data " + " ".join(args))
    assert not (tmp_path / "out" / "kept.jsonl").exists()
    cached = len(TranslationCache(cache))
    assert said and int(said.group(1)) == cached == 5  # the five answered requests, one text each
    with FakeMT() as server:  # the service is back (Google's cache key does not include the URL)
        again = run(filter_cmd(articles_file, tmp_path / "out", server, cache, "--keep", "40"))
        asked = server.texts_requested()
    assert again.returncode == 0, again.stderr
    assert len(asked) == 80 - cached  # only what was missing


@pytest.mark.parametrize(
    ("option", "value"), [("--retries", "-1"), ("--concurrency", "0"), ("--batch-size", "0"), ("--timeout", "0")]
)
def test_settings_out_of_range_are_refused_with_one_line_before_any_request(
    option, value, tmp_path, articles_file, mt_server
):
    result = run(filter_cmd(articles_file, tmp_path / "out", mt_server, tmp_path / "c.sqlite", option, value))
    assert result.returncode == 2 and one_line(result.stderr).startswith(f"error: {option} must be")
    assert mt_server.requests == []


def test_ctrl_c_says_how_much_is_cached_and_how_to_resume(tmp_path, articles_file):
    cache = tmp_path / "c.sqlite"
    with FakeMT(delay=0.1) as server:
        args = filter_cmd(articles_file, tmp_path / "out", server, cache, "--no-pack", "--concurrency", "1")
        process = subprocess.Popen(cli_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(server.requests) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    line = one_line(stderr)
    assert process.returncode == 130
    assert line.startswith("error: interrupted. ") and f"vi → zh-CN translations are cached in {cache}" in line
    assert "resume with: cls-data filter" in line


def test_cache_stats_and_purge_repair_a_cache_holding_junk(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = TranslationCache(path)
    cache.put_many(
        "libretranslate",
        "http://mt:5000",
        "vi",
        "zh",
        [("Hà Nội mưa to", "河内下大雨"), ("Giá xăng tăng", "Giá xăng tăng"), ("trời nắng", "")],
    )
    cache.put_many("google", "web", "vi", "zh-CN", [("Hà Nội mưa to", "河内下大雨")])
    cache.close()
    stats = run(["cache", "stats", "--cache", str(path)])
    assert stats.returncode == 0 and "http://mt:5000" in stats.stdout and "3" in stats.stdout
    refused = run(["cache", "purge", "--cache", str(path)])
    assert refused.returncode == 2 and one_line(refused.stderr).startswith("error: say what to purge")
    purged = run(["cache", "purge", "--invalid", "--cache", str(path)])
    assert purged.returncode == 0, purged.stderr
    assert "deleted 2 translations (echo of the source: 1, empty answer: 1); 2 left" in purged.stdout
    purged = run(["cache", "purge", "--backend", "google", "--cache", str(path)])
    assert "deleted 1 translations; 1 left" in purged.stdout
    missing = run(["cache", "stats", "--cache", str(tmp_path / "nope.sqlite")])
    assert (
        missing.returncode == 2
        and one_line(missing.stderr) == f"error: no translation cache at {tmp_path / 'nope.sqlite'}"
    )
