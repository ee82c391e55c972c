"""`run_pair_demo`: the demo on a bundled pair other than vi-zh, from data alone (demo/pairs/<src>-<tgt>/).

A pair's folder holds `articles.jsonl` (the articles of a made-up site), `translations.jsonl`
(each summary, its translation and the translation back) and `sites.toml` (that site for the
generic spider); its name gives the languages. Nothing here knows any pair: a new one is a new
folder. The stages are the library's own calls: the articles are served on 127.0.0.1 as a site
with no spider (`pair_site.PairSite`) and crawled by the generic spider from `sites.toml`
(`run_crawl` in a child process), then `run_filter` (every translation from the cache, the
translation server refuses), `build_dataset` with kind `pair`, and the benchmark and report
stages of `run_demo`.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from cls_data.benchmark.config import GridSpec
from cls_data.dataset_folder import file_sha256, read_build_info
from cls_data.demo.corpus import SampleTranslation, fill_translation_cache
from cls_data.demo.crawl_child import crawl_in_child
from cls_data.demo.pair_site import PairSite
from cls_data.demo.result import DemoProgress, DemoResult, demo_paths
from cls_data.demo.run import GRID, TRANSLATOR_NAME, filter_config, filter_counts, finish, read_state
from cls_data.errors import ClsDataError
from cls_data.records import Article, read_jsonl

PAIRS_DIR = Path(str(resources.files("cls_data.demo") / "pairs"))
MIN_BODY_WORDS = 10  # the demo's articles are two-sentence stubs; real crawls keep the default (60)


@dataclasses.dataclass(frozen=True)
class PairSample:
    src: str
    tgt: str
    articles: Path
    translations: tuple[SampleTranslation, ...]  # `vi`/`zh` hold the pair's source/target texts
    sites_file: Path | None = None  # the site for the generic spider; without it the articles are read, not crawled

    @property
    def keep(self) -> int:
        return len(self.translations) - sum(t.poor for t in self.translations)

    @property
    def train_size(self) -> int:
        return self.keep - 2 * (self.keep // 5)

    def sizes(self) -> str:
        """Vi2ZhLow's proportions scaled to what the filter keeps: a fifth each for validation and test."""
        evaluation, train = self.keep // 5, self.train_size
        return f"train={train},validation={evaluation},test={evaluation},subsets={train // 2}"


def pair_names() -> list[str]:
    return sorted(p.name for p in PAIRS_DIR.iterdir() if (p / "articles.jsonl").exists()) if PAIRS_DIR.exists() else []


def load_pair(name: str, folder: Path | None = None) -> PairSample:
    folder = folder or PAIRS_DIR / name
    src, _, tgt = name.partition("-")
    if not (folder / "articles.jsonl").exists() or not tgt:
        raise ClsDataError(f"no demo pair {name!r}; bundled: vi-zh, {', '.join(pair_names())}")
    rows = []
    for number, line in enumerate((folder / "translations.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        record = json.loads(line) if line.strip() else {}
        if "about" in record or not record:  # the first line says what the file is
            continue
        try:
            rows.append(SampleTranslation(record["src"], record["tgt"], record["back"], bool(record.get("poor"))))
        except KeyError as exc:
            raise ClsDataError(f"{folder / 'translations.jsonl'}:{number}: missing {exc.args[0]!r}") from None
    sites_file = folder / "sites.toml"
    return PairSample(src, tgt, folder / "articles.jsonl", tuple(rows), sites_file if sites_file.exists() else None)


def run_pair_demo(
    pair: str, out_dir: Path | str, on_progress: Callable[[DemoProgress], None] = lambda p: None, grid: GridSpec = GRID
) -> DemoResult:
    """Filter, build, benchmark (smoke) and report the bundled `pair` ("de-en") into `out_dir`, offline."""
    from cls_data.benchmark.grid import expand
    from cls_data.dataset.kinds import pair_kind

    started, out = time.monotonic(), Path(out_dir)
    sample = load_pair(pair)
    kind = pair_kind(sample.src, sample.tgt)
    out.mkdir(parents=True, exist_ok=True)
    result = demo_paths(out)
    result.dataset = out / "datasets" / kind.dataset
    result.dataset_card = result.dataset / "README.md"
    grid = dataclasses.replace(grid, datasets=(str(result.dataset),), train_sizes=(sample.train_size,))
    expand(grid)  # an unknown variant or weighting stops here
    state_file = out / "demo.json"
    state = read_state(state_file)
    with PairSite(list(read_jsonl(sample.articles, Article))) as site:  # the pair's site and a refusing translator
        for stage, step in (
            ("crawl", lambda: _crawl(sample, result, site, on_progress)),
            ("filter", lambda: _filter(sample, result, site, on_progress)),
        ):
            t0 = time.monotonic()
            step()
            result.seconds[stage] = time.monotonic() - t0
    t0 = time.monotonic()
    _build(sample, kind.name, result, on_progress)
    result.seconds["build"] = time.monotonic() - t0
    return finish(result, grid, state, state_file, started, on_progress)


def _crawl(sample: PairSample, result: DemoResult, site: PairSite, on_progress: Callable[[DemoProgress], None]) -> None:
    """The generic spider on the pair's site (its sites.toml); without one, the articles are read from the folder."""
    wanted = {a.url for a in read_jsonl(sample.articles, Article)}
    total = len(wanted)
    if sample.sites_file is None:
        shutil.copyfile(sample.articles, result.articles)
        result.counts["articles"] = total
        on_progress(DemoProgress("crawl", total, total, f"{total} articles read from the folder (no sites.toml)"))
        return
    for suffix in ("", ".seen.sqlite", ".log"):  # a few dozen pages: crawled afresh each run
        Path(f"{result.articles}{suffix}").unlink(missing_ok=True)
    result.crawl_summary.unlink(missing_ok=True)
    on_progress(DemoProgress("crawl", 0, total, f"generic spider, {sample.sites_file.name}, from {site.base_url}"))
    summary = crawl_in_child(
        [],
        result.articles,
        site.base_url,
        options={"sites_file": str(sample.sites_file), "min_body_words": MIN_BODY_WORDS},
        on_articles=lambda n: on_progress(DemoProgress("crawl", min(n, total), total)),
    )
    have = {a.url for a in read_jsonl(result.articles, Article)} if result.articles.exists() else set()
    if have != wanted:
        raise ClsDataError(
            f"the generic spider wrote {len(have & wanted)} of the pair's {total} articles; see "
            f"{result.crawl_summary} and {result.articles}.log"
        )
    result.counts["articles"] = total
    rules = next(iter(summary["sites"].values()))["rules"]
    on_progress(
        DemoProgress(
            "crawl",
            total,
            total,
            f"{total} articles, {summary['elapsed_s']:.1f}s; lead from "
            + ", ".join(f"{r} {n}" for r, n in rules["summary"].items()),
        )
    )


def _filter(
    sample: PairSample, result: DemoResult, mirror: PairSite, on_progress: Callable[[DemoProgress], None]
) -> None:
    from cls_data.filter.run import run_filter

    for suffix in ("", "-wal", "-shm"):
        Path(f"{result.translation_cache}{suffix}").unlink(missing_ok=True)
    fill_translation_cache(
        result.translation_cache, mirror.translator_url, list(sample.translations), src=sample.src, tgt=sample.tgt
    )
    trip = f"{sample.src} → {sample.tgt} → {sample.src}"
    on_progress(DemoProgress("filter", 0, 1, f"round trip {trip} from the cache"))
    filtered = run_filter(filter_config(result, mirror.translator_url, sample.keep, sample.src, sample.tgt))
    refused = mirror.translator_requests
    report = filtered.report
    if report.requests_sent or refused or report.counts.failed:
        raise ClsDataError(
            f"{report.counts.failed} summaries are missing from the pair's translation cache "
            f"({refused} translation requests were refused); see {result.failures}"
        )
    filter_counts(result, report.as_json(), filtered.kept, filtered.scored)
    on_progress(
        DemoProgress(
            "filter",
            1,
            1,
            f"kept {report.counts.kept} of {report.counts.scored}, "
            f"cut-off {100 * report.cutoff:.1f}, 0 translation requests",
        )
    )


def _build(sample: PairSample, kind: str, result: DemoResult, on_progress: Callable[[DemoProgress], None]) -> None:
    from cls_data.dataset.builder import BuildConfig, build_dataset
    from cls_data.dataset.splits import SplitSizes

    sizes = SplitSizes.parse(sample.sizes())
    out = result.dataset.parent
    command = (
        f"cls-data build {kind} {result.kept} --src {sample.src} --tgt {sample.tgt} --out {out} "
        f"--sizes {sizes.describe()}"
    )
    earlier = read_build_info(result.dataset) or {}
    inputs = earlier.get("inputs") or [{}]
    if earlier.get("sizes") == sizes.describe() and inputs[0].get("sha256") == file_sha256(result.kept):
        result.reused.append("build")  # the same kept samples: the same folder (and the benchmark's runs stay valid)
        result.split_rows = earlier["splits"]
        on_progress(DemoProgress("build", 1, 1, f"reused {result.dataset.name}/"))
        return
    built = build_dataset(
        BuildConfig(
            kind=kind,
            src=sample.src,
            tgt=sample.tgt,
            inputs=[result.kept],
            out=out,
            sizes=sizes,
            translator=TRANSLATOR_NAME,
            command=command,
        )
    )
    result.split_rows = built.split_rows
    on_progress(DemoProgress("build", 1, 1, ", ".join(f"{k} {v}" for k, v in built.split_rows.items())))
