"""`cls-data crawl` as a user meets it: --list, clear one-line errors, --urls, --limit, date bounds."""

from __future__ import annotations

import socket
import time

from tests.support.fixture_site import FAST, article_path, read_records, run_cli


def test_list_shows_every_spider_with_its_domain():
    proc = run_cli("--list")
    for name, domain in [("vnexpress", "vnexpress.net"), ("moc", "moc.gov.vn"), ("dantri", "dantri.com.vn")]:
        assert name in proc.stdout and domain in proc.stdout


def _one_line_error(proc) -> str:
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_unresolvable_host_fails_fast_with_one_clear_line(tmp_path):
    out = tmp_path / "a.jsonl"
    proc = run_cli(
        "--site", "vnexpress", "--out", str(out), "--base-url", "http://news.invalid", check=False, timeout=30
    )
    line = _one_line_error(proc)
    assert line.startswith("error: no article could be fetched: DNS lookup failed for news.invalid")
    assert not out.exists()


def test_refused_connection_fails_fast_with_one_clear_line_under_default_settings(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the crawl: nothing listens there
    started = time.monotonic()  # default retries, throttling and timeouts: no FAST here
    proc = run_cli(
        "--site",
        "vnexpress",
        "--out",
        str(tmp_path / "a.jsonl"),
        "--base-url",
        f"http://127.0.0.1:{port}",
        check=False,
        timeout=120,
    )
    assert "no article could be fetched: connection refused" in _one_line_error(proc)
    assert time.monotonic() - started < 30, "no retries and backoff against a host that never answered"
    assert not (tmp_path / "a.jsonl").exists()


def test_a_host_that_never_answers_fails_after_one_timeout_not_after_retrying_every_page(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)  # connections are accepted by the kernel, but no byte ever comes back
        started = time.monotonic()
        proc = run_cli(
            "--site",
            "vnexpress",
            "--out",
            str(tmp_path / "a.jsonl"),
            "--base-url",
            f"http://127.0.0.1:{s.getsockname()[1]}",
            "--timeout",
            "2",
            check=False,
            timeout=180,
        )
        elapsed = time.monotonic() - started
    assert "no article could be fetched: timed out fetching" in _one_line_error(proc)
    assert elapsed < 30, f"{elapsed:.0f} s"


def test_unknown_site_and_bad_date_are_one_line_errors(tmp_path):
    line = _one_line_error(run_cli("--site", "nosuch", "--out", str(tmp_path / "a.jsonl"), check=False))
    assert "unknown site nosuch" in line and "vnexpress" in line
    line = _one_line_error(
        run_cli("--site", "moc", "--since", "1/2/2024", "--out", str(tmp_path / "a.jsonl"), check=False)
    )
    assert "--since must be a date YYYY-MM-DD" in line
    line = _one_line_error(
        run_cli("--site", "moc", "--until", "2024-13-01", "--out", str(tmp_path / "a.jsonl"), check=False)
    )
    assert "--until must be a date YYYY-MM-DD, got '2024-13-01'" in line
    line = _one_line_error(
        run_cli(
            "--site",
            "moc",
            "--since",
            "2024-05-01",
            "--until",
            "2024-04-01",
            "--out",
            str(tmp_path / "a.jsonl"),
            check=False,
        )
    )
    assert "--since 2024-05-01 is after --until 2024-04-01" in line


def test_urls_file_crawls_exactly_the_listed_articles(site_server, tmp_path):
    server = site_server("thanhnien", n=6)
    wanted = [server.real + article_path("thanhnien", n) for n in (1, 4)]
    (tmp_path / "urls.txt").write_text("\n".join(wanted) + "\n")
    run_cli(
        "--site",
        "thanhnien",
        "--urls",
        str(tmp_path / "urls.txt"),
        "--out",
        str(tmp_path / "a.jsonl"),
        "--base-url",
        server.base_url,
        *FAST,
    )
    assert sorted(r["url"] for r in read_records(tmp_path / "a.jsonl")) == sorted(wanted)
    assert not any(p.startswith("/timelinelist") or p == "/sitemap.xml" for p in server.hits), "no discovery"


def test_limit_stops_the_site_after_n_articles(site_server, tmp_path):
    server = site_server("vnexpress", n=30, per_page=10)
    run_cli(
        "--site", "vnexpress", "--limit", "7", "--out", str(tmp_path / "a.jsonl"), "--base-url", server.base_url, *FAST
    )
    assert len(read_records(tmp_path / "a.jsonl")) == 7


def test_since_and_until_keep_only_articles_published_between(site_server, tmp_path):
    server = site_server("vietnamplus", n=10)  # article n is published on 2024-03-(1+n); found by sitemap only
    run_cli(
        "--site",
        "vietnamplus",
        "--since",
        "2024-03-03",
        "--until",
        "2024-03-05",
        "--out",
        str(tmp_path / "a.jsonl"),
        "--base-url",
        server.base_url,
        *FAST,
    )
    days = sorted(r["published"][:10] for r in read_records(tmp_path / "a.jsonl"))
    assert days == ["2024-03-03", "2024-03-04", "2024-03-05"]
    # The sitemap's lastmod already rules out older pages: they are never fetched.
    assert server.hits[article_path("vietnamplus", 0)] == 0


def test_urls_without_site_are_routed_to_the_spider_of_their_domain(site_server, tmp_path):
    server = site_server("vietnamplus", n=3)
    wanted = server.real + article_path("vietnamplus", 2)
    (tmp_path / "urls.txt").write_text(wanted + "\n")
    run_cli(
        "--urls", str(tmp_path / "urls.txt"), "--out", str(tmp_path / "a.jsonl"), "--base-url", server.base_url, *FAST
    )
    assert [(r["site"], r["url"]) for r in read_records(tmp_path / "a.jsonl")] == [("vietnamplus", wanted)]
