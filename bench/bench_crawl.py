"""Crawl a generated 2,000-article fixture site on loopback and compare with trafilatura.

Same run, same pages: (1) `cls-data crawl` end to end (discovery + fetch + extract + pipelines)
against (2) trafilatura fetching the known article URLs with a thread pool and extracting them, and
(3)/(4) extraction alone for both on the in-memory pages. Correctness is checked page by page
against the generated text: sapo exactly right, body paragraphs exactly right, body ROUGE-1 F1.

    python bench/bench_crawl.py [--n 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repo root: shared fakes come from tests.support

from cls_data.crawl.clean import strip_lead_prefix  # noqa: E402
from cls_data.rouge import score_tokens  # noqa: E402
from cls_data.text import normalize, normalize_paragraphs, tokenize_vi  # noqa: E402
from tests.support import fixture_site  # noqa: E402


def check(expected, summary: str | None, text: str | None) -> tuple[bool, bool, float]:
    summary_ok = normalize(summary or "") == expected.summary
    lines = normalize_paragraphs(text or "").split("\n")
    r1 = score_tokens(tokenize_vi("\n".join(lines)), tokenize_vi("\n".join(expected.paragraphs))).rouge1.fmeasure
    return summary_ok, lines == expected.paragraphs, r1


def ours_extract(pages: dict[str, bytes], base: str):
    from scrapy.http import HtmlResponse, Request

    from cls_data.spiders.vnexpress import VnExpressSpider

    spider = VnExpressSpider()
    out = {}
    for path, body in pages.items():
        url = base + path
        item = next(spider.parse_article(HtmlResponse(url, body=body, encoding="utf-8", request=Request(url))))
        summary = strip_lead_prefix(item["summary"] or "")
        out[path] = (summary, item["text"])
    return out


def trafilatura_extract(html: bytes | str):
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, favor_precision=False)
    if doc is None:
        return None, None
    doc = doc.as_dict() if hasattr(doc, "as_dict") else doc
    return doc.get("description"), doc.get("text")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    with fixture_site.FixtureSite("vnexpress", n=args.n, per_page=50) as server, tempfile.TemporaryDirectory() as tmp:
        expected = server.expected
        pages = {p: server.routes[p][2] for p in expected}

        out = Path(tmp) / "a.jsonl"
        t0 = time.perf_counter()
        proc = subprocess.run(
            [
                *fixture_site.cls_data_exe(),
                "crawl",
                "--site",
                "vnexpress",
                "--out",
                str(out),
                "--base-url",
                server.base_url,
                "--no-throttle",
                "--concurrency",
                str(args.concurrency),
                "--max-pages",
                "1000",
            ],
            capture_output=True,
            text=True,
        )
        crawl_wall = time.perf_counter() - t0
        if proc.returncode:
            sys.exit(proc.stderr)
        summary = json.loads((Path(tmp) / "a.summary.json").read_text())
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        ours = {r["url"].removeprefix(server.real): (r["summary"], r["text"]) for r in records}

        t0 = time.perf_counter()
        import urllib3

        # trafilatura.fetch_url refuses loopback addresses (SSRF guard), so fetch with urllib3,
        # which is what it uses underneath.
        http = urllib3.PoolManager(maxsize=args.concurrency)

        def fetch_and_extract(path: str):
            return path, trafilatura_extract(http.request("GET", server.base_url + path).data)

        with ThreadPoolExecutor(args.concurrency) as pool:
            traf = dict(pool.map(fetch_and_extract, list(expected)))
        traf_wall = time.perf_counter() - t0

        t0 = time.perf_counter()
        ours_only = ours_extract(pages, server.base_url)
        ours_extract_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        traf_only = {p: trafilatura_extract(body) for p, body in pages.items()}
        traf_extract_s = time.perf_counter() - t0

    n = len(expected)

    def quality(results):
        scores = [check(expected[p], *results.get(p, (None, None))) for p in expected]
        return (sum(s for s, _, _ in scores) / n, sum(b for _, b, _ in scores) / n, sum(r for _, _, r in scores) / n)

    rows = [
        ("cls-data crawl (end to end)", n / crawl_wall, len(records), quality(ours)),
        (
            "trafilatura + urllib3 (known URLs, threads)",
            n / traf_wall,
            sum(v[0] is not None for v in traf.values()),
            quality(traf),
        ),
        ("cls-data extraction only", n / ours_extract_s, len(ours_only), quality(ours_only)),
        ("trafilatura extraction only", n / traf_extract_s, len(traf_only), quality(traf_only)),
    ]
    print(f"{n} fixture articles on loopback, concurrency {args.concurrency}, throttling off")
    print(f"{'pipeline':50} {'articles/s':>10} {'found':>6} {'sapo ok':>8} {'body ok':>8} {'body R1':>8}")
    for name, rate, found, (sapo, body, r1) in rows:
        print(f"{name:50} {rate:10.1f} {found:6d} {sapo:8.1%} {body:8.1%} {r1:8.3f}")
    print(
        f"crawl summary: {summary['articles']} articles, {summary['articles_per_s']} articles/s inside the crawl "
        f"(wall {crawl_wall:.1f}s incl. start-up)"
    )
    print(
        f"speed ratio end to end (ours / trafilatura): {rows[0][1] / rows[1][1]:.2f}x; "
        f"extraction only: {rows[2][1] / rows[3][1]:.2f}x"
    )


if __name__ == "__main__":
    main()
