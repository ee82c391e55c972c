"""Every call the demo makes into the cls-data library, in one place.

The demo runs the real stages; this module is the only one that imports them, so when a stage
moves (as `cls_data.build` -> `cls_data.dataset` and `cls_data.roundtrip` -> `cls_data.filter` did)
only the imports below change.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.crawl.clean import is_boilerplate, is_vietnamese, strip_lead_prefix  # noqa: F401 - re-exported for tests
from cls_data.crawl.config import Limits
from cls_data.errors import ClsDataError
from cls_data.records import Article, CLSSample, read_jsonl
from cls_data.text import CJK, count_words, normalize  # noqa: F401 - re-exported

__all__ = [
    "CJK", "SMOKE", "ClsDataError", "Grid", "Limits", "benchmark", "build_vi2zh", "check_grid", "complete_runs",
    "count_words", "crawl", "crawl_summary_path", "dataset_fingerprint", "describe_sizes", "fill_translation_cache",
    "filter_summaries", "is_boilerplate", "is_vietnamese", "normalize", "planned_runs", "read_articles",
    "read_build_info", "read_filter_report", "read_samples", "report", "sha256", "strip_lead_prefix",
    "translator_key",
]

TRANSLATOR = "libretranslate"  # the backend whose cache entries the demo fills (see mirror.py)


def sha256(path: Path) -> str:
    from cls_data.dataset_folder import file_sha256

    return file_sha256(path)


# ---- crawl -------------------------------------------------------------------------------------
def crawl_summary_path(out: Path) -> Path:
    from cls_data.crawl.runner import summary_path

    return summary_path(out)


def read_articles(path: Path) -> list[Article]:
    return list(read_jsonl(path, Article))


_EVENT = "cls-data-demo-event "


def _crawl_child() -> None:
    """Runs in a fresh interpreter: Twisted's reactor cannot be restarted, and Scrapy takes over logging."""
    from cls_data.crawl import CrawlConfig, run_crawl

    sites, out, base_url = json.loads(sys.argv[1])
    config = CrawlConfig(
        sites=sites, out=Path(out), base_url=base_url, limits=Limits(), max_pages=10,
        autothrottle=False, download_delay=0.0, concurrency_per_domain=8, timeout=10.0, retries=1, max_retry_after=2.0,
    )

    def emit(kind: str, value: object) -> None:
        print(_EVENT + json.dumps([kind, value], ensure_ascii=False), flush=True)

    try:
        summary = run_crawl(config, on_progress=lambda s: emit("progress", sum(site.articles for site in s)))
        emit("done", summary.as_json())
    except ClsDataError as exc:
        emit("error", str(exc))


@dataclass
class CrawlOutcome:
    articles: int
    dropped: int
    errors: int
    seconds: float


def crawl(sites: list[str], out: Path, base_url: str, on_articles: Callable[[int], None] = lambda n: None) -> CrawlOutcome:
    """`cls-data crawl --site ... --base-url URL --no-throttle --out OUT`, in a child process."""
    command = [sys.executable, "-c", "from cls_data.demo.pipeline import _crawl_child; _crawl_child()",
               json.dumps([sites, str(out), base_url])]
    # stderr joins stdout (Scrapy logs to its file): one pipe, read to the end, cannot fill up and stall.
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8") as child:
        result, error, other = None, None, []
        for line in child.stdout:
            if not line.startswith(_EVENT):
                other = [*other[-4:], line.rstrip()]
                continue
            kind, value = json.loads(line[len(_EVENT):])
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
    sites_ = result["sites"].values()  # the summary JSON that run_crawl also writes next to `out`
    return CrawlOutcome(result["articles"], sum(sum(s["dropped"].values()) for s in sites_),
                        sum(sum(s["errors"].values()) for s in sites_), result["elapsed_s"])


# ---- translation cache and filter --------------------------------------------------------------
def translator_key(url: str, src: str = "vi", tgt: str = "zh") -> tuple[str, str, str, str]:
    """(backend, model, src code, tgt code) under which the filter looks translations up for this server."""
    from cls_data.translate import make_translator

    translator = make_translator(TRANSLATOR, url=url)
    try:
        src_code, tgt_code = translator.codes(src, tgt)
        return translator.name, translator.model, src_code, tgt_code
    finally:
        translator.close()


def fill_translation_cache(path: Path, url: str, pairs: Iterable[tuple[str, str, str]], src: str = "vi", tgt: str = "zh") -> int:
    """Store (summary, translation, back-translation) triples as the filter's cache entries for `url`."""
    from cls_data.translate import TranslationCache

    backend, model, src_code, tgt_code = translator_key(url, src, tgt)
    pairs = [(normalize(a), normalize(b), normalize(c)) for a, b, c in pairs]
    cache = TranslationCache(path)
    try:
        cache.put_many(backend, model, src_code, tgt_code, [(a, b) for a, b, _ in pairs])
        cache.put_many(backend, model, tgt_code, src_code, [(b, c) for _, b, c in pairs])
        return len(cache)
    finally:
        cache.close()


@dataclass
class FilterOutcome:
    """What the demo needs from a filter run, whatever shape the filter's own report takes."""

    input: int
    scored: int
    kept: int
    failed: int
    requests_sent: int
    cache_hits: int
    cutoff: float | None  # the ranking score (round-trip ROUGE F1, in [0, 1]) of the last kept sample

    @classmethod
    def from_json(cls, report: dict) -> "FilterOutcome":
        """From report.json as `FilterReport.as_json` writes it."""
        counts = report["counts"]
        return cls(counts["input"], counts["scored"], counts["kept"], counts["failed"], report["requests_sent"],
                   report["cache_hits"], report["cutoff"])


def filter_summaries(articles: Path, out: Path, keep: int, url: str, cache: Path) -> FilterOutcome:
    """`cls-data filter ARTICLES --keep K --translator libretranslate --translator-url URL --cache C --retries 0`."""
    from cls_data.filter.run import FilterConfig, run_filter

    config = FilterConfig(input=articles, out=out, keep=keep, translator=TRANSLATOR, translator_url=url, cache=cache,
                          concurrency=1, max_retries=0, backoff_base=0.0, timeout=10.0)
    report = run_filter(config).report  # its notes are in report.json; the demo words its own
    c = report.counts
    return FilterOutcome(c.input, c.scored, c.kept, c.failed, report.requests_sent, report.cache_hits, report.cutoff)


def read_filter_report(path: Path) -> FilterOutcome:
    """The outcome recorded in the report.json of an earlier filter run."""
    return FilterOutcome.from_json(json.loads(path.read_text(encoding="utf-8")))


def read_samples(path: Path) -> list[CLSSample]:
    return list(read_jsonl(path, CLSSample))


# ---- build -------------------------------------------------------------------------------------
@dataclass
class BuildOutcome:
    folder: Path
    split_rows: dict[str, int]
    leaks: int
    input_sha256: str | None = None
    sizes: str | None = None  # as `--sizes` writes them


def build_vi2zh(kept: Path, out: Path, sizes: dict, translator: str, on_message: Callable[[str], None]) -> BuildOutcome:
    """`cls-data build vi2zh KEPT --out OUT --sizes ... --translator NAME`; sizes as {"train": n, ..., "subsets": (a, b)}."""
    from cls_data.dataset.builder import BuildConfig, build_dataset

    split_sizes = _split_sizes(sizes)
    config = BuildConfig(kind="vi2zh", inputs=[kept], out=out, sizes=split_sizes, translator=translator,
                         command=f"cls-data build vi2zh {kept} --out {out} --sizes {split_sizes.describe()}")
    result = build_dataset(config, on_progress=on_message)
    return BuildOutcome(result.folder, result.split_rows, len(result.leaks), sha256(kept), split_sizes.describe())


def read_build_info(folder: Path) -> BuildOutcome | None:
    """What an earlier build recorded in its build_info.json; None when there is no complete build."""
    try:
        info = json.loads((folder / "build_info.json").read_text(encoding="utf-8"))
        return BuildOutcome(folder, info["splits"], info["leakage"]["count"], info["inputs"][0]["sha256"], info["sizes"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None


def describe_sizes(sizes: dict) -> str:
    return _split_sizes(sizes).describe()


def _split_sizes(sizes: dict):
    from cls_data.dataset.splits import SplitSizes

    return SplitSizes(**sizes)


# ---- benchmark ---------------------------------------------------------------------------------
SMOKE = "smoke"  # the preset: a tiny model trained on the dataset's own texts, a few steps, offline


@dataclass(frozen=True)
class Grid:
    """Which runs `cls-data benchmark --preset smoke` makes (its --variants, --weighting, --r, --train-sizes)."""

    variants: tuple[str, ...] = ("all",)
    weightings: tuple[str, ...] = ("all",)
    rs: tuple[float, ...] = (2.0,)
    train_sizes: tuple[int, ...] = (1000,)
    seeds: tuple[int, ...] = (0,)


@dataclass
class BenchmarkOutcome:
    runs: Path
    planned: list[str]  # run folders, relative to `runs`
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # complete before this call
    failed: list[tuple[str, str]] = field(default_factory=list)  # (run folder, one-line error)


def _grid_spec(dataset: Path, grid: Grid):
    from cls_data.benchmark.config import GridSpec

    return GridSpec(datasets=(str(dataset),), variants=grid.variants, weightings=grid.weightings, rs=grid.rs,
                    train_sizes=grid.train_sizes, seeds=grid.seeds, preset=SMOKE)


def planned_runs(dataset: Path, grid: Grid) -> list[str]:
    """The run folders the grid makes (no torch import: the registry holds lazy builders)."""
    from cls_data.benchmark.grid import expand

    return [str(run.rel_dir) for run in expand(_grid_spec(dataset, grid))]


def check_grid(grid: Grid) -> None:
    """Raise ClsDataError for an unknown variant or weighting before anything runs."""
    from cls_data.benchmark.grid import expand

    expand(_grid_spec(Path("Vi2ZhLow"), grid))


def complete_runs(runs: Path, planned: list[str]) -> list[str]:
    """Those of `planned` whose run folder is complete (the engine renames a run into place when it is)."""
    return [rel for rel in planned if (runs / rel / "metrics.json").exists()]


def dataset_fingerprint(folder: Path) -> str:
    """The dataset folder's fingerprint (the one the benchmark records): runs on another version are not reused."""
    from cls_data.dataset_folder import folder_fingerprint

    return folder_fingerprint(folder)


def benchmark(dataset: Path, runs: Path, grid: Grid, on_progress: Callable[[str, int, int], None]) -> BenchmarkOutcome:
    """`cls-data benchmark --dataset DATASET --out RUNS` with the grid's options; complete runs are skipped."""
    from cls_data.benchmark.grid import run_grid

    with _quiet_transformers():
        result = run_grid(_grid_spec(dataset, grid), runs, on_progress=on_progress)
    return BenchmarkOutcome(runs, planned_runs(dataset, grid), result.done, result.skipped, result.failed)


@contextmanager
def _quiet_transformers():
    """transformers' per-load bars and load reports would tear through the demo's progress bars."""
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


# ---- report ------------------------------------------------------------------------------------
@dataclass
class ReportOutcome:
    folder: Path
    results_md: Path
    figures: list[Path]
    case_study: Path | None
    model_cards: Path
    cards: int
    answer: list[str]  # "which model should I train?", one line per dataset and size
    notes: list[str]


def report(runs: Path, out: Path, on_message: Callable[[str], None]) -> ReportOutcome:
    """`cls-data report RUNS --out OUT`."""
    from cls_data.report.writer import ReportConfig, write_report

    result = write_report(ReportConfig(runs=runs, out=out), on_progress=on_message)
    return ReportOutcome(result.out, result.results_md, result.figures, result.case_study, result.out / "model_cards",
                         result.cards, result.answer, result.notes)
