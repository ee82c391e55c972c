"""`run_demo`: the whole pipeline on the bundled sample, offline, into one folder; reruns reuse what is done."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.demo import pipeline as lib
from cls_data.demo.corpus import TRANSLATIONS, Sample, load_sample
from cls_data.demo.mirror import MirrorServer
from cls_data.outputs import write_json_atomic

# Vi2ZhLow's shape (train 5,000 with nested 1,000 and 3,000, validation 3,000, test 3,000: the
# paper kept 11,000 of 142,000), scaled to the sample: the filter keeps what the splits need.
SPLIT_SIZES = {"train": 30, "validation": 10, "test": 10, "subsets": (10, 20)}
KEEP = SPLIT_SIZES["train"] + SPLIT_SIZES["validation"] + SPLIT_SIZES["test"]
# `cls-data benchmark --preset smoke`: every registered variant, TFLCLS under every loss weighting
# and its own weighting at two values of r (the paper's r = 2, and 2.5), so the report has Table 2,
# Table 3, Figure 4 and Figure 5; trained on the full (30-pair) train split.
GRID = lib.Grid(variants=("all",), weightings=("all",), rs=(2.0, 2.5), train_sizes=(SPLIT_SIZES["train"],))
TRANSLATOR_NAME = "hand-written sample translations (cls-data demo cache; no MT system)"


@dataclass(frozen=True)
class DemoProgress:
    """One progress event: `stage` advanced to `done` of `total` (total 0: a step without a count)."""

    stage: str
    done: int
    total: int
    message: str = ""


@dataclass
class DemoResult:
    out_dir: Path
    articles: Path  # crawl: Article JSONL
    crawl_summary: Path
    translation_cache: Path  # SQLite, filled from the sample's translations.jsonl
    scored: Path  # filter: every sample with its round-trip scores, best first
    kept: Path
    failures: Path
    filter_report: Path
    histogram: Path
    dataset: Path  # build: the Vi2ZhLow-shaped folder
    dataset_card: Path
    runs: Path  # benchmark: RUNS/<dataset>/<variant>/.../n<size>/seed<k>/ and results.json
    report: Path  # report: results.md, figures/, case_study.html, model_cards/
    results_md: Path
    figures: Path
    case_study: Path
    model_cards: Path
    counts: dict[str, int] = field(default_factory=dict)
    split_rows: dict[str, int] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)  # summaries the filter dropped, lowest first
    benchmark_runs: list[str] = field(default_factory=list)  # run folders, relative to `runs`
    failed_runs: list[tuple[str, str]] = field(default_factory=list)  # (run folder, one-line error)
    answer: list[str] = field(default_factory=list)  # the report's "which model should I train?" lines
    reused: list[str] = field(default_factory=list)  # stages whose earlier output was kept
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def artefacts(self) -> list[tuple[str, Path]]:
        """(what, where) for the final table, in pipeline order."""
        return [
            ("crawled articles", self.articles), ("crawl summary", self.crawl_summary),
            ("translation cache", self.translation_cache), ("scored samples", self.scored), ("kept samples", self.kept),
            ("filter report", self.filter_report), ("score histogram", self.histogram),
            ("dataset", self.dataset), ("dataset card", self.dataset_card),
            ("benchmark runs", self.runs), ("results.md", self.results_md), ("figures", self.figures),
            ("case study", self.case_study), ("model cards", self.model_cards),
        ]


def _paths(out: Path) -> DemoResult:
    filtered, dataset, report = out / "filtered", out / "datasets" / "Vi2ZhLow", out / "report"
    return DemoResult(
        out_dir=out, articles=out / "articles.jsonl", crawl_summary=lib.crawl_summary_path(out / "articles.jsonl"),
        translation_cache=out / "translations.sqlite", scored=filtered / "scored.jsonl", kept=filtered / "kept.jsonl",
        failures=filtered / "failures.jsonl", filter_report=filtered / "report.json", histogram=filtered / "report.png",
        dataset=dataset, dataset_card=dataset / "README.md", runs=out / "runs", report=report,
        results_md=report / "results.md", figures=report / "figures", case_study=report / "case_study.html",
        model_cards=report / "model_cards",
    )


def run_demo(out_dir: Path | str = "cls-data-demo", on_progress: Callable[[DemoProgress], None] = lambda p: None,
             grid: lib.Grid = GRID) -> DemoResult:
    """Crawl the bundled sample with the real spiders, filter it, build the dataset, benchmark the
    models on it with the smoke preset and write the report; returns where all went.

    Everything is served from 127.0.0.1 and every translation comes from the sample's cache: a
    request that would reach a translation service is an error; the smoke models are built from
    the dataset itself. A second run into the same folder reuses each stage whose input did not
    change. `grid` picks the benchmark runs (a smaller one makes a quicker demo).
    """
    started = time.monotonic()
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise lib.ClsDataError(f"{out}: cannot write the demo there ({exc.strerror or exc})") from None
    lib.check_grid(grid)
    result = _paths(out)
    sample = load_sample()
    state_file = out / "demo.json"
    state = _read_state(state_file)
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
    t0 = time.monotonic()
    ran = _benchmark(result, grid, state, on_progress)
    result.seconds["benchmark"] = time.monotonic() - t0
    write_json_atomic(state_file, state)
    t0 = time.monotonic()
    _report(result, state, ran, on_progress)
    result.seconds["report"] = time.monotonic() - t0
    write_json_atomic(state_file, state)
    result.seconds["total"] = time.monotonic() - started
    return result


# ---- stages ------------------------------------------------------------------------------------
def _crawl(sample: Sample, result: DemoResult, mirror: MirrorServer, on_progress: Callable[[DemoProgress], None]) -> None:
    total = len(sample.articles)
    wanted = {a.url for a in sample.articles}
    have = _crawled_urls(result.articles)
    if have == wanted and result.crawl_summary.exists():
        result.reused.append("crawl")
        on_progress(DemoProgress("crawl", total, total, f"reused {result.articles.name}: {total} articles"))
        return
    if have - wanted:  # written from another version of the sample: start that stage afresh
        for path in (result.articles, result.crawl_summary, _sibling(result.articles, ".seen.sqlite"), _sibling(result.articles, ".log")):
            path.unlink(missing_ok=True)
        have = set()
    on_progress(DemoProgress("crawl", len(have), total, f"{', '.join(sample.sites)} from {mirror.base_url}"))
    outcome = lib.crawl(list(sample.sites), result.articles, mirror.base_url,
                        on_articles=lambda n: on_progress(DemoProgress("crawl", min(total, len(have) + n), total)))
    have = _crawled_urls(result.articles)
    if have != wanted:
        raise lib.ClsDataError(f"the crawl wrote {len(have & wanted)} of the sample's {total} articles; see {result.crawl_summary}"
                               f" and {_sibling(result.articles, '.log')}")
    on_progress(DemoProgress("crawl", total, total, f"{total} articles, {outcome.seconds:.1f}s, {outcome.dropped} dropped"))


def _filter(sample: Sample, result: DemoResult, mirror: MirrorServer, state: dict, on_progress: Callable[[DemoProgress], None]) -> None:
    key = {"articles_sha256": lib.sha256(result.articles), "translations_sha256": lib.sha256(TRANSLATIONS), "keep": KEEP}
    outputs = (result.scored, result.kept, result.failures, result.filter_report, result.histogram)
    if state.get("filter") == key and all(p.exists() for p in outputs):
        result.reused.append("filter")
        outcome = lib.read_filter_report(result.filter_report)
        _filter_counts(result, outcome)
        on_progress(DemoProgress("filter", 1, 1, f"reused {result.filter_report.parent.name}/: kept {outcome.kept}"))
        return
    on_progress(DemoProgress("filter", 0, 1, f"loading {len(sample.translations)} sample translations into the cache"))
    # The cache is keyed by the translation server's URL, whose port changes from run to run:
    # it is rebuilt from the bundled translations.jsonl whenever the filter runs.
    for suffix in ("", "-wal", "-shm"):
        _sibling(result.translation_cache, suffix).unlink(missing_ok=True)
    lib.fill_translation_cache(result.translation_cache, mirror.translator_url, [(t.vi, t.zh, t.back) for t in sample.translations])
    on_progress(DemoProgress("filter", 0, 1, "round trip vi → zh → vi from the cache, ROUGE, top K"))
    outcome = lib.filter_summaries(result.articles, result.scored.parent, KEEP, mirror.translator_url, result.translation_cache)
    if outcome.requests_sent or mirror.translator_requests or outcome.failed:
        raise lib.ClsDataError(
            f"{outcome.failed} summaries are missing from the sample's translation cache "
            f"({mirror.translator_requests} translation requests were refused; the demo never translates over a network); "
            f"see {result.failures}")
    _filter_counts(result, outcome)
    state["filter"] = key
    on_progress(DemoProgress("filter", 1, 1, f"kept {outcome.kept} of {outcome.scored}, cut-off {100 * outcome.cutoff:.1f},"
                                             " 0 translation requests"))


def _filter_counts(result: DemoResult, outcome: lib.FilterOutcome) -> None:
    result.counts.update(articles=outcome.input, scored=outcome.scored, kept=outcome.kept, dropped=outcome.scored - outcome.kept,
                         translation_requests=outcome.requests_sent, cache_hits=outcome.cache_hits)
    kept = {s.id for s in lib.read_samples(result.kept)}
    result.dropped = [s.summary for s in reversed(lib.read_samples(result.scored)) if s.id not in kept]
    if result.dropped:
        result.notes.append(f"the filter dropped {len(result.dropped)} of {outcome.scored} summaries whose round trip drifted"
                            f" (cut-off {100 * outcome.cutoff:.1f} ROUGE x100); see {result.scored}")


def _build(result: DemoResult, on_progress: Callable[[DemoProgress], None]) -> None:
    sizes = lib.describe_sizes(SPLIT_SIZES)
    earlier = lib.read_build_info(result.dataset)
    if earlier and earlier.input_sha256 == lib.sha256(result.kept) and earlier.sizes == sizes:
        result.reused.append("build")
        result.split_rows = earlier.split_rows
        on_progress(DemoProgress("build", 1, 1, f"reused {result.dataset.name}/"))
        return
    on_progress(DemoProgress("build", 0, 1, f"Vi2ZhLow with {sizes}"))
    outcome = lib.build_vi2zh(result.kept, result.dataset.parent, SPLIT_SIZES, TRANSLATOR_NAME,
                              on_message=lambda m: on_progress(DemoProgress("build", 0, 1, m)))
    result.split_rows = outcome.split_rows
    if outcome.leaks:
        result.notes.append(f"the build found {outcome.leaks} near-duplicate pair(s) across splits; see build_info.json")
    on_progress(DemoProgress("build", 1, 1, ", ".join(f"{k} {v}" for k, v in outcome.split_rows.items())))


def _benchmark(result: DemoResult, grid: lib.Grid, state: dict, on_progress: Callable[[DemoProgress], None]) -> bool:
    """Train and score every run of `grid` not complete yet; whether any run was attempted."""
    fingerprint = lib.dataset_fingerprint(result.dataset)
    if state.get("benchmark", {}).get("dataset") not in (None, fingerprint):
        # Runs trained on another version of the dataset: the engine would (rightly) refuse to reuse them.
        shutil.rmtree(result.runs, ignore_errors=True)
    state["benchmark"] = {"dataset": fingerprint}
    planned = lib.planned_runs(result.dataset, grid)
    result.benchmark_runs = planned
    total = len(planned)
    complete = lib.complete_runs(result.runs, planned)
    if len(complete) == total and (result.runs / "results.json").exists():
        result.reused.append("benchmark")
        on_progress(DemoProgress("benchmark", total, total, f"reused {result.runs.name}/: {_count(total, 'run')}"))
        return False
    on_progress(DemoProgress("benchmark", len(complete), total,
                             f"{_count(total - len(complete), 'run')} to train (smoke preset): building the tiny backbones"))
    finished, current = set(complete), [""]

    def progress(phase: str, done: int, of: int) -> None:
        if phase.startswith("run "):
            current[0] = phase[4:].removeprefix(f"{result.dataset.name}/")
            finished.update(lib.complete_runs(result.runs, planned))
            on_progress(DemoProgress("benchmark", len(finished), total, current[0]))
        elif phase != "runs":
            on_progress(DemoProgress("benchmark", len(finished), total, f"{current[0]}: {phase} {done}/{of}"))

    outcome = lib.benchmark(result.dataset, result.runs, grid, progress)
    result.failed_runs = outcome.failed
    if outcome.failed:
        run_dir, error = outcome.failed[0]
        result.notes.append(f"{len(outcome.failed)} of {total} benchmark runs failed, e.g. {run_dir}: {error}"
                            f" (see {result.runs}/<run>.work/failed.json; a rerun retries them)")
    on_progress(DemoProgress("benchmark", total - len(outcome.failed), total,
                             f"{_count(len(outcome.done), 'run')} trained and scored, {len(outcome.skipped)} reused,"
                             f" {len(outcome.failed)} failed"))
    return True


def _report(result: DemoResult, state: dict, ran: bool, on_progress: Callable[[DemoProgress], None]) -> None:
    if not (result.runs / "results.json").exists():
        raise lib.ClsDataError(f"the benchmark finished no run; see {result.runs}")
    key = {"results_sha256": lib.sha256(result.runs / "results.json")}
    if not ran and state.get("report") == key and result.results_md.exists():
        result.reused.append("report")
        result.answer = state.get("answer", [])
        on_progress(DemoProgress("report", 1, 1, f"reused {result.report.name}/"))
        return
    on_progress(DemoProgress("report", 0, 1, "tables, significance, figures, case study, model cards"))
    outcome = lib.report(result.runs, result.report, on_message=lambda m: on_progress(DemoProgress("report", 0, 1, m)))
    result.answer = outcome.answer
    result.notes.extend(outcome.notes)
    state["report"], state["answer"] = key, outcome.answer
    on_progress(DemoProgress("report", 1, 1, f"{outcome.results_md.name}, {_count(len(outcome.figures), 'figure')},"
                                             f" {_count(outcome.cards, 'model card')}"))


# ---- helpers -----------------------------------------------------------------------------------
def _crawled_urls(path: Path) -> set[str]:
    if not path.exists():
        return set()
    try:
        return {a.url for a in lib.read_articles(path)}
    except lib.ClsDataError:  # a torn last line: the crawler's own resume repairs it
        return set()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _read_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


__all__ = ["GRID", "DemoProgress", "DemoResult", "KEEP", "SPLIT_SIZES", "run_demo"]
