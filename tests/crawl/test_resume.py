"""An interrupted crawl (Ctrl-C or kill -9) started again loses nothing and writes no duplicate."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from tests.support.fixture_site import FAST, cls_data_exe, read_records, run_cli


def _lines(path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _saved_paths(path, real) -> set[str]:
    """Paths of the articles on complete lines (a kill may leave a torn last line)."""
    lines = path.read_bytes().split(b"\n")[:-1]
    return {json.loads(line)["url"].removeprefix(real) for line in lines}


@pytest.mark.parametrize(
    "sig, job_dir",
    [(signal.SIGINT, True), (signal.SIGKILL, True), (signal.SIGKILL, False)],
    ids=["ctrl-c", "kill-9", "kill-9-no-job-dir"],
)
def test_interrupted_crawl_resumes_without_loss_or_duplicates(sig, job_dir, site_server, tmp_path):
    server = site_server("tuoitre", n=80, per_page=20, delay=0.2)
    out = tmp_path / "a.jsonl"
    args = ["--site", "tuoitre", "--out", str(out), "--base-url", server.base_url, *FAST]
    args += ["--job-dir", str(tmp_path / "job")] if job_dir else []
    proc = subprocess.Popen([*cls_data_exe(), "crawl", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _lines(out) < 5 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    first = _lines(out)
    assert 5 <= first < 80, "the crawl was stopped part-way"
    saved = _saved_paths(out, server.real)
    hits = {p: server.hits[p] for p in saved}

    run_cli(*args)
    records = read_records(out)
    assert len(records) == 80 and len({r["id"] for r in records}) == 80
    assert sorted(r["url"].removeprefix(server.real) for r in records) == sorted(server.expected)
    assert {p: server.hits[p] for p in saved} == hits, "only what is missing is downloaded"


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


def test_rerunning_a_finished_crawl_is_nothing_new_not_a_failure(site_server, tmp_path):
    server = site_server("dantri", n=3)
    urls = tmp_path / "urls.txt"  # one listed page is gone (404): an error on every run
    urls.write_text("".join(server.real + p + "\n" for p in [*server.expected, "/xa-hoi/da-xoa-20240301083000999.htm"]))
    args = [
        "--site",
        "dantri",
        "--urls",
        str(urls),
        "--out",
        str(tmp_path / "a.jsonl"),
        "--base-url",
        server.base_url,
        *FAST,
    ]
    run_cli(*args)
    proc = run_cli(*args, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "nothing new: the 3 article(s) found are already in" in proc.stderr
    assert len(read_records(tmp_path / "a.jsonl")) == 3


def test_a_line_torn_after_a_clean_close_is_fetched_again(site_server, tmp_path):
    server = site_server("vietnamnet", n=4)
    out = tmp_path / "a.jsonl"
    args = ["--site", "vietnamnet", "--out", str(out), "--base-url", server.base_url, *FAST]
    run_cli(*args)
    data = out.read_bytes()
    last = json.loads(data.splitlines()[-1])["url"].removeprefix(server.real)
    out.write_bytes(data[:-40])  # a copy cut short, a disk that filled up: the last line is torn
    run_cli(*args)
    records = read_records(out)
    assert sorted(r["url"].removeprefix(server.real) for r in records) == sorted(server.expected)
    assert server.hits[last] == 2 and all(server.hits[p] == 1 for p in server.expected if p != last)
