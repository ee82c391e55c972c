"""`cls-data report`: results.md (tables, significance, the answer up front), figures, case study, model cards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.errors import ClsDataError
from cls_data.outputs import write_text_atomic
from cls_data.report.fidelity import differences_markdown, presets_markdown
from cls_data.report.judge.config import JudgeConfig
from cls_data.report.leaderboard import write_leaderboard
from cls_data.report.metrics import metric_names
from cls_data.report.metrics.base import MetricOptions
from cls_data.report.runs import RunSet, load_runs
from cls_data.report.selection import choices, recommendations
from cls_data.report.significance import DEFAULT_PAIR, DEFAULT_RESAMPLES, run_comparisons, significance_markdown
from cls_data.report.tables import build_results_markdown, columns_of, group_cells, is_addition
from cls_data.report.verify import Damage, check_runs, damaged_mark, damaged_markdown
from cls_data.run_folder import RunRow, write_results_json


@dataclass(frozen=True)
class ReportConfig:
    runs: Path
    out: Path | None = None  # default RUNS/report
    compare_paper: bool = False
    pairs: tuple[tuple[str, str], ...] = (DEFAULT_PAIR,)
    resamples: int = DEFAULT_RESAMPLES
    seed: int = 0
    case_ids: tuple[str, ...] = ()
    case_samples: int = 5
    case_size: int | None = None
    figures: bool = True
    cards: bool = True
    metrics: tuple[str, ...] = ("rouge",)  # names of report/metrics.REGISTRY
    bertscore_model: str = "bert-base-multilingual-cased"
    lase_model: str = "sentence-transformers/LaBSE"
    rank_by: str | None = None  # a metric column; None: the recommendation's validation ROUGE-2 alone
    judge: JudgeConfig | None = None  # the LLM judge (report/judge), when --judge-url is given
    allow_damaged: bool = False  # write the report without the damaged runs (marked) instead of stopping

    @property
    def out_dir(self) -> Path:
        return self.out if self.out is not None else self.runs / "report"


@dataclass
class ReportResult:
    out: Path
    results_md: Path
    runs_done: int
    runs_failed: int
    comparisons: int
    figures: list[Path] = field(default_factory=list)
    case_study: Path | None = None
    cards: int = 0
    answer: list[str] = field(default_factory=list)  # the "which model" lines, for the CLI to print
    notes: list[str] = field(default_factory=list)
    metrics_computed: int = 0  # runs x metrics scored now; 0 when every score came from the cache
    judge_line: str | None = None  # requests, cache hits, failures and tokens of the LLM judge
    damaged: list[Damage] = field(default_factory=list)  # runs left out of every table (report.verify)


# An added system (e.g. an LLM) is bootstrapped against the paper's method and its plain-mBART baseline.
ADDITION_RIVALS = ("tflcls", "mbart-cls")


def _addition_pairs(runs: RunSet, asked: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """(added variant, paper system) pairs for the significance section, unless --pair chose other pairs."""
    if asked != (DEFAULT_PAIR,):
        return []
    variants = {row.variant for row in runs.done() if row.in_domain}
    return [
        (added, rival)
        for added in sorted(v for v in variants if is_addition(v))
        for rival in ADDITION_RIVALS
        if rival in variants
    ]


def _check(config: ReportConfig) -> None:
    """A setting out of range stops with one line before any run folder is read."""
    metric_names(config.metrics)
    if config.resamples < 100:
        raise ClsDataError(f"--resamples {config.resamples}: use at least 100 for a usable interval")


def _write_pages(runs: RunSet, config: ReportConfig, result: ReportResult, progress: Callable[[str], None]) -> None:
    """The case-study page and (with --cards) the model cards beside results.md; their notes join the report's."""
    progress("writing the case-study page")
    from cls_data.report.casestudy import write_case_study

    out = result.out
    case = write_case_study(
        runs, out / "case_study.html", config.case_ids, config.case_samples, config.seed, config.case_size
    )
    result.case_study = case.path
    result.notes.extend(case.notes)
    if config.cards:
        progress("writing model cards")
        from cls_data.report.cards import write_model_cards

        cards = write_model_cards(runs, out / "model_cards")
        result.cards = len(cards.paths)
        result.notes.extend(cards.notes)


def write_report(config: ReportConfig, on_progress: Callable[[str], None] | None = None) -> ReportResult:
    """results.md (tables, significance, recommendation, ...), the case-study page, figures and cards from RUNS."""
    progress = on_progress or (lambda message: None)
    _check(config)
    progress("reading run folders")
    runs = load_runs(config.runs)
    progress("verifying run folders")
    damaged = check_runs(runs, config.allow_damaged)
    out = config.out_dir
    out.mkdir(parents=True, exist_ok=True)
    notes = list(runs.notes)
    paper = None
    if config.compare_paper:
        from cls_data.report.paper import load_paper

        paper = load_paper()
    progress("bootstrapping significance")
    made = choices(runs)
    answer, plain = recommendations(runs, config.resamples, config.seed, made)
    comparisons, pair_notes = run_comparisons(
        runs, (*config.pairs, *_addition_pairs(runs, config.pairs)), config.resamples, config.seed
    )
    result = ReportResult(
        out,
        out / "results.md",
        len(runs.done()),
        sum(r.status == "failed" for r in runs.rows),
        len(comparisons),
        answer=plain,
        notes=notes,
        damaged=damaged,
    )
    from cls_data.report.metrics.sections import metric_sections

    options = MetricOptions(config.bertscore_model, config.lase_model)
    scored = metric_sections(
        runs,
        metric_names(config.metrics),
        options,
        out,
        comparisons,
        made,
        config.resamples,
        config.seed,
        config.rank_by,
        progress,
    )
    extra_sections = scored.sections
    result.metrics_computed, result.answer = scored.computed, [*plain, *scored.answer]
    if config.judge is not None:
        from cls_data.report.judge.section import judge_section

        judged = judge_section(runs, config.judge, out, progress)
        extra_sections.append(judged.markdown)
        result.judge_line = judged.line
        notes.extend(judged.notes)
        for key, values in judged.fields.items():
            scored.fields.setdefault(key, {}).update(values)
    if config.figures:
        progress("drawing figures")
        result.figures = _draw_figures(runs, out / "figures", notes)
    _write_pages(runs, config, result, progress)
    tables = build_results_markdown(runs.rows, paper).removeprefix("# Results\n")
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"# Benchmark report\n\nRuns: `{runs.root}` ({result.runs_done} finished, {result.runs_failed} failed), "
        f"written {stamp}. ROUGE F1 x100 throughout; each table names its tokenizer.\n",
        presets_markdown(runs.rows),
        "\n".join(answer),
        *(["\n".join(scored.ranking)] if scored.ranking else []),
        "## Tables\n" + damaged_mark(damaged) + tables,
        significance_markdown(comparisons, config.resamples, config.seed, pair_notes),
    ]
    parts += extra_sections
    if paper is not None:
        from cls_data.report.compare_paper import paper_markdown

        parts.append(paper_markdown(paper, runs.rows, runs.root))
    if damaged:
        parts.append(damaged_markdown(damaged))
    parts.append(differences_markdown())
    parts.append(_links_section(result, out))
    if notes:
        parts.append("## Notes\n\n" + "\n".join(f"- {note}" for note in notes) + "\n")
    write_text_atomic(result.results_md, "\n".join(parts))
    # the tables as data (report/leaderboard.py; not RUNS/results.json), the other metrics' and the judge's fields too
    write_leaderboard(runs, out / "results.json", made, scored.fields)
    return result


def _draw_figures(runs: RunSet, folder: Path, notes: list[str]) -> list[Path]:
    from cls_data.report import figures

    cells = group_cells(runs.rows)
    paths = []
    columns = columns_of(runs.rows)
    for dataset in dict.fromkeys(d for d, _ in columns):
        sizes = [s for d, s in columns if d == dataset]
        for draw, name in ((figures.ablation_figure, "figure4_ablation"), (figures.rsweep_figure, "figure5_r_sweep")):
            path = draw(cells, dataset, sizes, folder / f"{name}_{dataset}.png")
            if path is not None:
                paths.append(path)
    for row in runs.done():
        if row.in_domain and row.run_dir:
            path = figures.learning_curves(
                runs.run_path(row) / "train_log.jsonl", row.run_dir, folder / "curves" / f"{figures.flat_name(row)}.png"
            )
            if path is not None:
                paths.append(path)
    if not any(p.name.startswith("figure4") for p in paths):
        notes.append("Figure 4 needs at least two of tflcls, tflcls-no-tra, tflcls-no-mul, mbart-cls on one dataset")
    if not any(p.name.startswith("figure5") for p in paths):
        notes.append("Figure 5 needs tflcls with weighting tflcls at two or more values of r")
    return paths


def _links_section(result: ReportResult, out: Path) -> str:
    lines = ["## Figures, case study, model cards", ""]
    for path in result.figures:
        if path.parent.name != "curves":
            lines += [f"![{path.stem}]({path.relative_to(out).as_posix()})", ""]
    curves = [p for p in result.figures if p.parent.name == "curves"]
    if curves:
        lines.append(
            f"- Learning curves (losses, validation ROUGE-2, learned loss weights) of {len(curves)} runs: "
            "`figures/curves/`"
        )
    if result.case_study:
        lines.append(f"- Case study (opens offline): [{result.case_study.name}]({result.case_study.name})")
    if result.cards:
        lines.append(f"- Model cards of {result.cards} runs: `model_cards/<run path>/README.md`")
    return "\n".join(lines) + "\n"


def write_results(out: Path) -> list[dict]:
    """Rewrite RUNS/results.json and RUNS/results.md (Tables 2 and 3, as the report lays them out) from the run
    folders."""
    rows = write_results_json(out)
    text = build_results_markdown(rows)
    recipe = presets_markdown([RunRow.from_dict(row, "results.json") for row in rows])  # preset and status up front
    write_text_atomic(out / "results.md", text.replace("# Results\n", f"# Results\n\n{recipe}", 1) if recipe else text)
    return rows
