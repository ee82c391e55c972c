"""The demo's crawl in a child process: Twisted's reactor cannot be restarted, and Scrapy takes over logging.

`crawl_in_child` runs `run_crawl` (as `cls-data crawl --site ... --base-url URL --no-throttle` would)
in a fresh interpreter and returns its `CrawlSummary` as the JSON the crawl also writes next to `out`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cls_data.errors import ClsDataError

_EVENT = "cls-data-demo-event "


def _child() -> None:
    from cls_data.crawl import CrawlConfig, run_crawl
    from cls_data.crawl.config import Limits

    sites, out, base_url, *more = json.loads(sys.argv[1])
    options = more[0] if more else {}  # the pair demo: its sites.toml, and the shorter bodies of its articles
    config = CrawlConfig(
        sites=sites,
        out=Path(out),
        base_url=base_url,
        max_pages=10,
        sites_file=Path(options["sites_file"]) if options.get("sites_file") else None,
        limits=Limits(min_body_words=options["min_body_words"]) if "min_body_words" in options else Limits(),
        autothrottle=False,
        download_delay=0.0,
        concurrency_per_domain=8,
        timeout=10.0,
        retries=1,
        max_retry_after=2.0,
    )

    def emit(kind: str, value: object) -> None:
        print(_EVENT + json.dumps([kind, value], ensure_ascii=False), flush=True)

    try:
        summary = run_crawl(config, on_progress=lambda s: emit("progress", sum(site.articles for site in s)))
        emit("done", summary.as_json())
    except ClsDataError as exc:
        emit("error", str(exc))


def crawl_in_child(
    sites: list[str],
    out: Path,
    base_url: str,
    on_articles: Callable[[int], None] = lambda n: None,
    options: dict | None = None,
) -> dict[str, Any]:
    """`run_crawl` of `sites` from `base_url` into `out`, in a child process; its summary JSON (`CrawlSummary.as_json`).

    `options`: `sites_file` (a sites.toml for the generic spider) and `min_body_words`."""
    args = [sites, str(out), base_url, *([options] if options else [])]
    command = [sys.executable, "-c", "from cls_data.demo.crawl_child import _child; _child()", json.dumps(args)]
    # stderr joins stdout (Scrapy logs to its file): one pipe, read to the end, cannot fill up and stall.
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8"
    ) as child:
        result, error, other = None, None, []
        for line in child.stdout:
            if not line.startswith(_EVENT):
                other = [*other[-4:], line.rstrip()]
                continue
            kind, value = json.loads(line[len(_EVENT) :])
            if kind == "progress":
                on_articles(value)
            elif kind == "error":
                error = value
            else:
                result = value
    if error:
        raise ClsDataError(error)
    if result is None:
        last = next((line for line in reversed(other) if line.strip()), f"exit code {child.returncode}")
        raise ClsDataError(f"the crawl process failed: {last}; see {out.with_name(out.name + '.log')}")
    return result
