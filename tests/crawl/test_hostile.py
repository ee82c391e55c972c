"""A crawl under hostile input: oversized pages and records, bad `--urls` lines, an unusable `--out`."""

from __future__ import annotations

import json
import time

from tests.support.fixture_site import FAST, SENTENCES, article_path, read_records, run_cli


def _summary(out, site):
    return json.loads(out.with_name(out.stem + ".summary.json").read_text())["sites"][site]


def test_oversized_pages_and_records_are_dropped_and_counted_by_reason(site_server, tmp_path):
    server = site_server("vnexpress", n=2)
    huge = [" ".join(SENTENCES) * 40] * 80  # ~3 MB of body: over a 1 MB cap, whether announced or streamed
    sized = server.add_article(900, paragraphs=huge)
    streamed = server.add_article(901, paragraphs=huge, sized=False)
    long_record = server.add_article(902, paragraphs=[" ".join(SENTENCES)] * 20)  # ~35,000 characters, a small page
    paths = [article_path("vnexpress", 0), sized, streamed, long_record, article_path("vnexpress", 1)]
    (tmp_path / "urls.txt").write_text("".join(server.real + p + "\n" for p in paths))
    out = tmp_path / "a.jsonl"
    args = [
        "--site",
        "vnexpress",
        "--urls",
        str(tmp_path / "urls.txt"),
        "--out",
        str(out),
        "--base-url",
        server.base_url,
        "--max-page-mb",
        "1",
        "--max-record-chars",
        "20000",
        "--rejects",
        str(tmp_path / "rejects.jsonl"),
        *FAST,
    ]
    run_cli(*args)
    assert sorted(r["url"] for r in read_records(out)) == sorted(
        server.real + article_path("vnexpress", n) for n in (0, 1)
    )
    summary = _summary(out, "vnexpress")
    assert summary["dropped"] == {"page_too_large": 2, "record_too_long": 1}
    assert summary["errors"] == {}
    reasons = {r["url"].removeprefix(server.real): r["reason"] for r in read_records(tmp_path / "rejects.jsonl")}
    assert reasons == {sized: "page_too_large", streamed: "page_too_large", long_record: "record_too_long"}
    run_cli(*args)  # a rerun does not download the oversized pages again
    assert server.hits[sized] == server.hits[streamed] == 1


def test_a_bad_line_in_the_urls_file_is_reported_by_file_and_line_and_the_rest_is_crawled(site_server, tmp_path):
    server = site_server("thanhnien", n=4)
    good = [server.real + article_path("thanhnien", n) for n in (1, 3)]
    urls = tmp_path / "urls.txt"
    urls.write_text(
        f"# picked by hand\n{good[0]}\nthanhnien.vn{article_path('thanhnien', 2)}\n\n{good[1]}\nhttps://example.org/x.htm\n"
    )
    proc = run_cli(
        "--site",
        "thanhnien",
        "--urls",
        str(urls),
        "--out",
        str(tmp_path / "a.jsonl"),
        "--base-url",
        server.base_url,
        *FAST,
    )
    assert sorted(r["url"] for r in read_records(tmp_path / "a.jsonl")) == sorted(good)
    assert f"{urls}:3: not an absolute http(s) URL" in proc.stderr
    assert f"{urls}:6: example.org is not the site of thanhnien" in proc.stderr
    notes = json.loads((tmp_path / "a.summary.json").read_text())["notes"]
    assert [n.split(": ")[0] for n in notes] == [f"{urls}:3", f"{urls}:6"]


def test_a_urls_file_without_one_usable_url_is_one_line_error(tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("vnexpress.net/a.html\n")
    proc = run_cli("--site", "vnexpress", "--urls", str(urls), "--out", str(tmp_path / "a.jsonl"), check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert (
        proc.stderr.strip() == f"error: {urls}: no usable article URL ({urls}:1: not an absolute http(s) URL, skipped: "
        "'vnexpress.net/a.html')"
    )


def test_an_unusable_out_path_is_one_line_error_before_any_download(site_server, tmp_path):
    server = site_server("dantri", n=2)
    (tmp_path / "file").write_text("x")
    for bad, why in ((tmp_path, "it is a folder"), (tmp_path / "file" / "a.jsonl", "is a file, not a folder")):
        started = time.monotonic()
        proc = run_cli("--site", "dantri", "--out", str(bad), "--base-url", server.base_url, *FAST, check=False)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and f"error: --out {bad}: cannot write there" in proc.stderr
        assert why in proc.stderr and time.monotonic() - started < 30
    assert not server.hits, "nothing was downloaded"
    proc = run_cli(
        "--site",
        "dantri",
        "--out",
        str(tmp_path / "a.jsonl"),
        "--rejects",
        str(tmp_path / "file" / "r.jsonl"),
        "--base-url",
        server.base_url,
        *FAST,
        check=False,
    )
    assert proc.returncode == 2 and proc.stderr.startswith("error: --rejects") and not server.hits


def test_a_site_that_no_listed_url_belongs_to_is_not_crawled(site_server, tmp_path):
    server = site_server("thanhnien", n=3)
    (tmp_path / "urls.txt").write_text(server.real + article_path("thanhnien", 1) + "\n")
    run_cli(
        "--site",
        "thanhnien",
        "--site",
        "tuoitre",
        "--urls",
        str(tmp_path / "urls.txt"),
        "--out",
        str(tmp_path / "a.jsonl"),
        "--base-url",
        server.base_url,
        *FAST,
    )
    assert [r["site"] for r in read_records(tmp_path / "a.jsonl")] == ["thanhnien"]
    assert set(server.hits) <= {"/robots.txt", article_path("thanhnien", 1)}, "no discovery for tuoitre"
