"""`run_demo`: the whole pipeline on the bundled sample, offline, into one folder; reruns reuse what is done.

Each stage is the stage's own library call (`run_crawl` in a child process, `run_filter`,
`build_dataset`, `run_grid`, `write_report`) read through its own typed result; the folder
formats are read through `dataset_folder` and `run_folder`.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from cls_data.benchmark.config import GridSpec
from cls_data.dataset_folder import file_sha256, folder_fingerprint, read_build_info
from cls_data.demo.corpus import TRANSLATIONS, TRANSLATOR, Sample, fill_translation_cache, load_sample
from cls_data.demo.crawl_child import crawl_in_child
from cls_data.demo.mirror import MirrorServer
from cls_data.demo.result import DemoProgress, DemoResult, demo_paths
from cls_data.errors import ClsDataError
from cls_data.outputs import write_json_atomic
from cls_data.records import Article, CLSSample, read_jsonl
from cls_data.run_folder import METRICS, RESULTS

if TYPE_CHECKING:
    from cls_data.filter.run import FilterConfig

# Vi2ZhLow's shape (train 5,000 with nested 1,000 and 3,000, validation 3,000, test 3,000: the
# paper kept 11,000 of 142,000), scaled to the sample: the filter keeps what the splits need.
SPLIT_SIZES = {"train": 30, "validation": 10, "test": 10, "subsets": (10, 20)}
KEEP = SPLIT_SIZES["train"] + SPLIT_SIZES["validation"] + SPLIT_SIZES["test"]
# `cls-data benchmark --preset smoke`: every registered variant, TFLCLS under every loss weighting
# and its own weighting at two values of r (the paper's r = 2, and 2.5), so the report has Table 2,
# Table 3, Figure 4 and Figure 5; trained on the full (30-pair) train split.
# `run_demo` fills in the dataset.
GRID = GridSpec(
    datasets=(),
    variants=("all",),
    weightings=("all",),
    rs=(2.0, 2.5),
    train_sizes=(SPLIT_SIZES["train"],),
    preset="smoke",
)
TRANSLATOR_NAME = "hand-written sample translations (cls-data demo cache; no MT system)"


def run_demo(
    out_dir: Path | str = "cls-data-demo",
    on_progress: Callable[[DemoProgress], None] = lambda p: None,
    grid: GridSpec = GRID,
) -> DemoResult:
    """Crawl the bundled sample with the real spiders, filter it, build the dataset, benchmark the
    models on it with the smoke preset and write the report; returns where all went.

    Everything is served from 127.0.0.1 and every translation comes from the sample's cache: a
    request that would reach a translation service is an error; the smoke models are built from
    the dataset itself. A second run into the same folder reuses each stage whose input did not
    change. `grid` picks the benchmark runs (a smaller one makes a quicker demo; its datasets are ignored).
    """
    from cls_data.benchmark.grid import expand

    started = time.monotonic()
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ClsDataError(f"{out}: cannot write the demo there ({exc.strerror or exc})") from None
    result = demo_paths(out)
    grid = dataclasses.replace(grid, datasets=(str(result.dataset),))
    expand(grid)  # an unknown variant or weighting stops here, before anything runs
    sample = load_sample()
    state_file = out / "demo.json"
    state = read_state(state_file)
    with MirrorServer(sample) as mirror:
        t0 = time.monotonic()
        _crawl(sample, result, mirror, on_progress)
        result.seconds["crawl"] = time.monotonic() - t0
        t0 = time.monotonic()
        _filter(sample, result, mirror, state, on_progress)
        result.seconds["filter"] = time.monotonic() - t0
    t0 = time.monotonic()
    _build(result, on_progress)
    result.seconds["build"] = time.monotonic() - t0
    return finish(result, grid, state, state_file, started, on_progress)


# ---- stages ------------------------------------------------------------------------------------
def _crawl(
    sample: Sample, result: DemoResult, mirror: MirrorServer, on_progress: Callable[[DemoProgress], None]
) -> None:
    total = len(sample.articles)
    wanted = {a.url for a in sample.articles}
    have = _crawled_urls(result.articles)
    if have == wanted and result.crawl_summary.exists():
        result.reused.append("crawl")
        on_progress(DemoProgress("crawl", total, total, f"reused {result.articles.name}: {total} articles"))
        return
    if have - wanted:  # written from another version of the sample: start that stage afresh
        for path in (
            result.articles,
            result.crawl_summary,
            _sibling(result.articles, ".seen.sqlite"),
            _sibling(result.articles, ".log"),
        ):
            path.unlink(missing_ok=True)
        have = set()
    on_progress(DemoProgress("crawl", len(have), total, f"{', '.join(sample.sites)} from {mirror.base_url}"))
    summary = crawl_in_child(
        list(sample.sites),
        result.articles,
        mirror.base_url,
        on_articles=lambda n: on_progress(DemoProgress("crawl", min(total, len(have) + n), total)),
    )
    have = _crawled_urls(result.articles)
    if have != wanted:
        raise ClsDataError(
            f"the crawl wrote {len(have & wanted)} of the sample's {total} articles; see {result.crawl_summary}"
            f" and {_sibling(result.articles, '.log')}"
        )
    dropped = sum(sum(site["dropped"].values()) for site in summary["sites"].values())
    on_progress(
        DemoProgress("crawl", total, total, f"{total} articles, {summary['elapsed_s']:.1f}s, {dropped} dropped")
    )


def _filter(
    sample: Sample, result: DemoResult, mirror: MirrorServer, state: dict, on_progress: Callable[[DemoProgress], None]
) -> None:
    from cls_data.filter.run import run_filter

    key = {
        "articles_sha256": file_sha256(result.articles),
        "translations_sha256": file_sha256(TRANSLATIONS),
        "keep": KEEP,
    }
    outputs = (result.scored, result.kept, result.failures, result.filter_report, result.histogram)
    if state.get("filter") == key and all(p.exists() for p in outputs):
        result.reused.append("filter")
        report = json.loads(result.filter_report.read_text(encoding="utf-8"))  # as FilterReport.as_json wrote it
        filter_counts(result, report, read_jsonl(result.kept, CLSSample), list(read_jsonl(result.scored, CLSSample)))
        on_progress(
            DemoProgress("filter", 1, 1, f"reused {result.filter_report.parent.name}/: kept {report['counts']['kept']}")
        )
        return
    on_progress(DemoProgress("filter", 0, 1, f"loading {len(sample.translations)} sample translations into the cache"))
    # The cache is keyed by the translation server's URL, whose port changes from run to run:
    # it is rebuilt from the bundled translations.jsonl whenever the filter runs.
    for suffix in ("", "-wal", "-shm"):
        _sibling(result.translation_cache, suffix).unlink(missing_ok=True)
    fill_translation_cache(result.translation_cache, mirror.translator_url, sample.translations)
    on_progress(DemoProgress("filter", 0, 1, "round trip vi → zh → vi from the cache, ROUGE, top K"))
    filtered = run_filter(filter_config(result, mirror.translator_url, KEEP))
    report = filtered.report  # its notes are in report.json; the demo words its own
    if report.requests_sent or mirror.translator_requests or report.counts.failed:
        raise ClsDataError(
            f"{report.counts.failed} summaries are missing from the sample's translation cache "
            f"({mirror.translator_requests} translation requests were refused; the demo never translates over a "
            f"network); see {result.failures}"
        )
    filter_counts(result, report.as_json(), filtered.kept, filtered.scored)
    state["filter"] = key
    on_progress(
        DemoProgress(
            "filter",
            1,
            1,
            f"kept {report.counts.kept} of {report.counts.scored}, cut-off {100 * report.cutoff:.1f},"
            " 0 translation requests",
        )
    )


def finish(
    result: DemoResult,
    grid: GridSpec,
    state: dict,
    state_file: Path,
    started: float,
    on_progress: Callable[[DemoProgress], None],
) -> DemoResult:
    """The stages every demo pair ends with, after its dataset is built: benchmark, report, the timings."""
    t0 = time.monotonic()
    ran = benchmark_stage(result, grid, state, on_progress)
    result.seconds["benchmark"] = time.monotonic() - t0
    write_json_atomic(state_file, state)
    t0 = time.monotonic()
    report_stage(result, state, ran, on_progress)
    result.seconds["report"] = time.monotonic() - t0
    write_json_atomic(state_file, state)
    result.seconds["total"] = time.monotonic() - started
    return result


def filter_config(result: DemoResult, translator_url: str, keep: int, src: str = "vi", tgt: str = "zh") -> FilterConfig:
    """The demo's filter (a FilterConfig): every translation from the filled cache, a translator refusing requests."""
    from cls_data.filter.run import FilterConfig

    return FilterConfig(
        input=result.articles,
        out=result.scored.parent,
        keep=keep,
        translator=TRANSLATOR,
        src=src,
        tgt=tgt,
        translator_url=translator_url,
        cache=result.translation_cache,
        concurrency=1,
        max_retries=0,
        backoff_base=0.0,
        timeout=10.0,
    )


def filter_counts(result: DemoResult, report: dict, kept: Iterable[CLSSample], scored: list[CLSSample]) -> None:
    """The demo's counts from the filter report (`FilterReport.as_json`, as report.json holds it) and its
    kept and scored samples (best first)."""
    counts = report["counts"]
    result.counts.update(
        articles=counts["input"],
        scored=counts["scored"],
        kept=counts["kept"],
        dropped=counts["scored"] - counts["kept"],
        translation_requests=report["requests_sent"],
        cache_hits=report["cache_hits"],
    )
    kept_ids = {s.id for s in kept}
    result.dropped = [s.summary for s in reversed(scored) if s.id not in kept_ids]
    if result.dropped:
        result.notes.append(
            f"the filter dropped {len(result.dropped)} of {counts['scored']} summaries whose round trip drifted"
            f" (cut-off {100 * report['cutoff']:.1f} ROUGE x100); see {result.scored}"
        )


def _build(result: DemoResult, on_progress: Callable[[DemoProgress], None]) -> None:
    from cls_data.dataset.builder import BuildConfig, build_dataset
    from cls_data.dataset.splits import SplitSizes

    sizes = SplitSizes(**SPLIT_SIZES)
    earlier = read_build_info(result.dataset) or {}
    if (
        earlier.get("sizes") == sizes.describe()
        and earlier.get("inputs")
        and earlier["inputs"][0].get("sha256") == file_sha256(result.kept)
    ):
        result.reused.append("build")
        result.split_rows = earlier["splits"]
        on_progress(DemoProgress("build", 1, 1, f"reused {result.dataset.name}/"))
        return
    on_progress(DemoProgress("build", 0, 1, f"Vi2ZhLow with {sizes.describe()}"))
    out = result.dataset.parent
    config = BuildConfig(
        kind="vi2zh",
        inputs=[result.kept],
        out=out,
        sizes=sizes,
        translator=TRANSLATOR_NAME,
        command=f"cls-data build vi2zh {result.kept} --out {out} --sizes {sizes.describe()}",
    )
    built = build_dataset(config, on_progress=lambda m: on_progress(DemoProgress("build", 0, 1, m)))
    result.split_rows = built.split_rows
    if built.leaks:
        result.notes.append(
            f"the build found {len(built.leaks)} near-duplicate pair(s) across splits; see build_info.json"
        )
    on_progress(DemoProgress("build", 1, 1, ", ".join(f"{k} {v}" for k, v in built.split_rows.items())))


def benchmark_stage(
    result: DemoResult, grid: GridSpec, state: dict, on_progress: Callable[[DemoProgress], None]
) -> bool:
    """Train and score every run of `grid` not complete yet; whether any run was attempted."""
    from cls_data.benchmark.grid import expand, run_grid
    from cls_data.report.writer import write_results

    fingerprint = folder_fingerprint(result.dataset)
    if state.get("benchmark", {}).get("dataset") not in (None, fingerprint):
        # Runs trained on another version of the dataset: the engine would (rightly) refuse to reuse them.
        shutil.rmtree(result.runs, ignore_errors=True)
    state["benchmark"] = {"dataset": fingerprint}
    planned = [str(run.rel_dir) for run in expand(grid)]
    result.benchmark_runs = planned
    total = len(planned)
    complete = _complete(result.runs, planned)
    if len(complete) == total and (result.runs / RESULTS).exists():
        result.reused.append("benchmark")
        on_progress(DemoProgress("benchmark", total, total, f"reused {result.runs.name}/: {_count(total, 'run')}"))
        return False
    on_progress(
        DemoProgress(
            "benchmark",
            len(complete),
            total,
            f"{_count(total - len(complete), 'run')} to train (smoke preset): building the tiny backbones",
        )
    )
    finished, current = set(complete), [""]

    def progress(phase: str, done: int, of: int) -> None:
        if phase.startswith("run "):
            current[0] = phase[4:].removeprefix(f"{result.dataset.name}/")
            finished.update(_complete(result.runs, planned))
            on_progress(DemoProgress("benchmark", len(finished), total, current[0]))
        elif phase != "runs":
            on_progress(DemoProgress("benchmark", len(finished), total, f"{current[0]}: {phase} {done}/{of}"))

    from cls_data.benchmark.quiet import quiet_transformers

    with quiet_transformers():
        outcome = run_grid(grid, result.runs, on_progress=progress, write_results=write_results)
    result.failed_runs = outcome.failed
    if outcome.failed:
        run_dir, error = outcome.failed[0]
        result.notes.append(
            f"{len(outcome.failed)} of {total} benchmark runs failed, e.g. {run_dir}: {error}"
            f" (see {result.runs}/<run>.work/failed.json; a rerun retries them)"
        )
    on_progress(
        DemoProgress(
            "benchmark",
            total - len(outcome.failed),
            total,
            f"{_count(len(outcome.done), 'run')} trained and scored, {len(outcome.skipped)} reused,"
            f" {len(outcome.failed)} failed",
        )
    )
    return True


def report_stage(result: DemoResult, state: dict, ran: bool, on_progress: Callable[[DemoProgress], None]) -> None:
    from cls_data.report.writer import ReportConfig, write_report

    if not (result.runs / RESULTS).exists():
        raise ClsDataError(f"the benchmark finished no run; see {result.runs}")
    key = {"results_sha256": file_sha256(result.runs / RESULTS)}
    if not ran and state.get("report") == key and result.results_md.exists():
        result.reused.append("report")
        result.answer = state.get("answer", [])
        on_progress(DemoProgress("report", 1, 1, f"reused {result.report.name}/"))
        return
    on_progress(DemoProgress("report", 0, 1, "tables, significance, figures, case study, model cards"))
    from cls_data.benchmark.quiet import quiet_transformers
    from cls_data.report.metrics.demo import demo_encoder, evaluation_lines

    with quiet_transformers():
        encoder = demo_encoder(result.dataset, result.out_dir / "encoders")  # LaSE's code path offline, labelled tiny
        config = ReportConfig(
            runs=result.runs, out=result.report, metrics=("rouge", "lase", "target_lang"), lase_model=str(encoder)
        )
        outcome = write_report(config, on_progress=lambda m: on_progress(DemoProgress("report", 0, 1, m)))
    result.answer = [*outcome.answer, *evaluation_lines(result.report / "results.json")]
    result.notes.extend(outcome.notes)
    state["report"], state["answer"] = key, result.answer  # the evaluation lines too: a rerun shows them
    on_progress(
        DemoProgress(
            "report",
            1,
            1,
            f"{outcome.results_md.name}, {_count(len(outcome.figures), 'figure')},"
            f" {_count(outcome.cards, 'model card')}",
        )
    )


# ---- helpers -----------------------------------------------------------------------------------
def _crawled_urls(path: Path) -> set[str]:
    if not path.exists():
        return set()
    try:
        return {a.url for a in read_jsonl(path, Article)}
    except ClsDataError:  # a torn last line: the crawler's own resume repairs it
        return set()


def _complete(runs: Path, planned: list[str]) -> list[str]:
    """Those of `planned` whose run folder is complete (the benchmark renames a run into place when it is)."""
    return [rel for rel in planned if (runs / rel / METRICS).exists()]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def read_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


__all__ = ["GRID", "KEEP", "SPLIT_SIZES", "run_demo"]
