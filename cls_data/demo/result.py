"""What `run_demo` reports: its progress events and the result (where every artefact went, counts, notes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cls_data.crawl.runner import summary_path


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
            ("crawled articles", self.articles),
            ("crawl summary", self.crawl_summary),
            ("translation cache", self.translation_cache),
            ("scored samples", self.scored),
            ("kept samples", self.kept),
            ("filter report", self.filter_report),
            ("score histogram", self.histogram),
            ("dataset", self.dataset),
            ("dataset card", self.dataset_card),
            ("benchmark runs", self.runs),
            ("results.md", self.results_md),
            ("figures", self.figures),
            ("case study", self.case_study),
            ("model cards", self.model_cards),
        ]


def demo_paths(out: Path) -> DemoResult:
    """Where every artefact of a demo into `out` goes."""
    filtered, dataset, report = out / "filtered", out / "datasets" / "Vi2ZhLow", out / "report"
    return DemoResult(
        out_dir=out,
        articles=out / "articles.jsonl",
        crawl_summary=summary_path(out / "articles.jsonl"),
        translation_cache=out / "translations.sqlite",
        scored=filtered / "scored.jsonl",
        kept=filtered / "kept.jsonl",
        failures=filtered / "failures.jsonl",
        filter_report=filtered / "report.json",
        histogram=filtered / "report.png",
        dataset=dataset,
        dataset_card=dataset / "README.md",
        runs=out / "runs",
        report=report,
        results_md=report / "results.md",
        figures=report / "figures",
        case_study=report / "case_study.html",
        model_cards=report / "model_cards",
    )
