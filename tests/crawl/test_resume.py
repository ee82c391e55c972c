"""An interrupted crawl (Ctrl-C or kill -9) started again loses nothing and writes no duplicate."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from tests.support.fixture_site import FAST, cls_data_exe, read_records, run_cli


def _lines(path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_interrupted_crawl_resumes_without_loss_or_duplicates(sig, site_server, tmp_path):
    server = site_server("tuoitre", n=80, per_page=20, delay=0.2)
    out = tmp_path / "a.jsonl"
    args = ["--site", "tuoitre", "--out", str(out), "--base-url", server.base_url, "--job-dir", str(tmp_path / "job"), *FAST]
    proc = subprocess.Popen([*cls_data_exe(), "crawl", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _lines(out) < 5 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    first = _lines(out)
    assert 5 <= first < 80, "the crawl was stopped part-way"

    run_cli(*args)
    records = read_records(out)
    assert len(records) == 80 and len({r["id"] for r in records}) == 80
    assert sorted(r["url"].removeprefix(server.real) for r in records) == sorted(server.expected)


def test_second_run_over_a_finished_crawl_writes_nothing_new(site_server, tmp_path):
    server = site_server("dantri", n=4)
    out = tmp_path / "a.jsonl"
    args = ["--site", "dantri", "--out", str(out), "--base-url", server.base_url, *FAST]
    run_cli(*args)
    before = out.read_bytes()
    hits = sum(server.hits[p] for p in server.expected)
    run_cli(*args)
    assert out.read_bytes() == before
    assert sum(server.hits[p] for p in server.expected) == hits, "known articles are not fetched again"
