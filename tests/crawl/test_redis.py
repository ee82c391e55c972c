"""Two crawler processes share one frontier through scrapy-redis on a real redis-server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from tests.support.fixture_site import FAST, cls_data_exe, read_records

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="redis-server is not on PATH (apt-get install redis-server)"
)


@pytest.fixture
def redis_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


def test_two_processes_fetch_every_page_exactly_once(redis_url, site_server, tmp_path):
    server = site_server("vietnamnet", n=60, per_page=15, delay=0.3)
    outs = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    procs = [
        subprocess.Popen(
            [
                *cls_data_exe(),
                "crawl",
                "--site",
                "vietnamnet",
                "--out",
                str(out),
                "--base-url",
                server.base_url,
                "--redis-url",
                redis_url,
                "--redis-idle",
                "1",
                *FAST,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in outs
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
    a, b = (read_records(out) for out in outs)
    assert a and b, "both processes did part of the work"
    urls = [r["url"].removeprefix(server.real) for r in a + b]
    assert sorted(urls) == sorted(server.expected), "together they wrote every article once"
    pages = [p for p in server.hits if p != "/robots.txt"]
    assert pages and all(server.hits[p] == 1 for p in pages), {p: server.hits[p] for p in pages if server.hits[p] != 1}
