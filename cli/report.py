"""`cls-data report`: the benchmark report, and the human-evaluation kit (`report human-eval export|score`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import click
import typer
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from cls_data.cli.console import err, out


class _DefaultWrite(TyperGroup):
    """`cls-data report RUNS ...` means `cls-data report write RUNS ...`: the group's default command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["write", *args]
        return super().parse_args(ctx, args)

    def format_help(self, ctx: click.Context, formatter) -> None:
        """The group's help, then the options of `report RUNS` itself (--compare-paper, --pair, ...): the
        default command's options are what a reader of `cls-data report --help` is looking for."""
        super().format_help(ctx, formatter)
        write = self.commands.get("write")
        if write is None:
            return
        sub = type(ctx)(write, info_name="write", parent=ctx)
        params = [param for param in write.get_params(sub) if param.name != "help"]
        records = [record for param in params if (record := param.get_help_record(sub))]
        with formatter.section("Options of `cls-data report RUNS` (= report write RUNS)"):
            formatter.write_dl(records)


app = typer.Typer(
    cls=_DefaultWrite,
    no_args_is_help=True,
    help=(
        "Turn a runs folder into results.md (Tables 2-3, significance), figures, a case-study page and model cards. "
        "`cls-data report RUNS` is short for `cls-data report write RUNS`."
    ),
)
human_eval = typer.Typer(no_args_is_help=True, help="Best-Worst Scaling human evaluation (the paper's Table 4).")
app.add_typer(human_eval, name="human-eval")


def _status(message: str) -> None:
    err.print(f"[dim]{escape(message)}…[/]", soft_wrap=True)


@app.command("write", no_args_is_help=True)
def write(
    runs: Annotated[
        Path, typer.Argument(help="The --out folder of `cls-data benchmark` (RUNS/<dataset>/<variant>/...).")
    ],
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where the report goes [default: RUNS/report].")
    ] = None,
    compare_paper: Annotated[
        bool, typer.Option("--compare-paper", help="Put the paper's published numbers beside ours.")
    ] = False,
    pairs: Annotated[
        list[str] | None,
        typer.Option(
            "--pair", help="A:B systems to bootstrap, e.g. tflcls/hu:tflcls/sum (repeatable; default tflcls:mbart-cls)."
        ),
    ] = None,
    resamples: Annotated[int, typer.Option(help="Bootstrap resamples of the test set.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and of the random case-study samples.")] = 0,
    case_ids: Annotated[
        str | None, typer.Option("--case-ids", help="Comma-separated test ids for the case study (default: random).")
    ] = None,
    case_samples: Annotated[int, typer.Option(help="Random test samples per dataset on the case-study page.")] = 5,
    metrics: Annotated[
        str,
        typer.Option(
            help="Comma-separated: rouge, bertscore, lase, target_lang (docs/evaluation.md); rouge is always in."
        ),
    ] = "rouge",
    bertscore_model: Annotated[
        str, typer.Option(help="Encoder for BERTScore: a Hub id or a local folder.")
    ] = "bert-base-multilingual-cased",
    lase_model: Annotated[
        str, typer.Option(help="Sentence encoder for LaSE: a Hub id or a local folder.")
    ] = "sentence-transformers/LaBSE",
    rank_by: Annotated[
        str | None,
        typer.Option(
            "--rank-by",
            help="Also rank the recommendation's candidates by this metric column on test (rouge2, lase, bertscore, "
            "target_lang).",
        ),
    ] = None,
    judge_url: Annotated[
        str | None,
        typer.Option(
            "--judge-url",
            help="An OpenAI-compatible server (http://HOST:PORT/v1) for the LLM judge; key from $OPENAI_API_KEY.",
        ),
    ] = None,
    judge_model: Annotated[
        str | None, typer.Option("--judge-model", help="The judge's model name on that server.")
    ] = None,
    judge_samples: Annotated[
        int, typer.Option("--judge-samples", help="Test samples judged per dataset, train size and system.")
    ] = 50,
    judge_workers: Annotated[int, typer.Option("--judge-workers", help="Judgements asked at a time.")] = 4,
    judge_bws: Annotated[
        Path | None,
        typer.Option(
            "--judge-bws",
            help="A `human-eval export` kit with answers*.csv: report the judge's agreement with those raters.",
        ),
    ] = None,
    figures: Annotated[
        bool, typer.Option("--figures/--no-figures", help="Draw Figure 4, Figure 5 and per-run learning curves.")
    ] = True,
    allow_damaged: Annotated[
        bool,
        typer.Option(
            "--allow-damaged",
            help=(
                "Write the report without the damaged run folders (named, and the tables marked) instead of stopping."
            ),
        ),
    ] = False,
) -> None:
    """Write results.md with the answer up front, Tables 2-3, significance, figures, case study and model cards."""
    from cls_data.report.judge.config import judge_config
    from cls_data.report.significance import DEFAULT_PAIR, parse_pair
    from cls_data.report.writer import ReportConfig, write_report

    config = ReportConfig(
        runs=runs,
        out=out_dir,
        compare_paper=compare_paper,
        pairs=tuple(parse_pair(p) for p in pairs) if pairs else (DEFAULT_PAIR,),
        resamples=resamples,
        seed=seed,
        case_ids=tuple(i.strip() for i in case_ids.split(",") if i.strip()) if case_ids else (),
        case_samples=case_samples,
        figures=figures,
        metrics=tuple(m.strip() for m in metrics.split(",") if m.strip()),
        bertscore_model=bertscore_model,
        allow_damaged=allow_damaged,
        lase_model=lase_model,
        rank_by=rank_by,
        judge=judge_config(judge_url, judge_model, judge_samples, seed, judge_bws, judge_workers),
    )
    result = write_report(config, on_progress=_status)
    for line in result.answer:
        out.print(line, soft_wrap=True, markup=False)
    out.print(
        f"{result.runs_done} finished and {result.runs_failed} failed runs; {result.comparisons} bootstrap "
        f"comparisons; {len(result.figures)} figures; {result.cards} model cards",
        soft_wrap=True,
        markup=False,
    )
    if result.judge_line:
        out.print(result.judge_line, soft_wrap=True, markup=False)
    out.print(
        f"wrote {result.results_md} and {result.out / 'results.json'} (one row per system, dataset and train size)",
        soft_wrap=True,
        markup=False,
    )
    for note in result.notes:
        err.print(f"note: {note}", soft_wrap=True, markup=False)
    for damage in result.damaged:
        err.print(f"damaged, left out: {damage}", soft_wrap=True, markup=False)


@human_eval.command("export", no_args_is_help=True)
def export(
    runs: Annotated[Path, typer.Argument(help="The runs folder.")],
    systems: Annotated[
        str,
        typer.Option(
            help="Comma-separated systems, e.g. tflcls,mbart-cls,ncls (a variant means its default weighting); "
            "`reference` rates the reference summaries as one more anonymous system, as the paper's Table 4 did."
        ),
    ],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the sheets, form and private key.")],
    samples: Annotated[int, typer.Option(help="Test samples to judge.")] = 25,
    dataset: Annotated[
        str | None, typer.Option(help="Dataset to sample from [default: the first with all systems].")
    ] = None,
    size: Annotated[int | None, typer.Option(help="Train size of the runs to compare [default: the largest].")] = None,
    seed: Annotated[int, typer.Option(help="Seed for the samples and the shuffling.")] = 0,
) -> None:
    """Write Best-Worst Scaling sheets (CSV and printable HTML) with anonymised, shuffled systems, plus key.json."""
    from cls_data.report.human_eval import export_kit
    from cls_data.report.runs import load_runs

    names = [name.strip() for name in systems.split(",") if name.strip()]
    result = export_kit(load_runs(runs), out_dir, names, samples, dataset, size, seed)
    out.print(
        f"{result.items} items x {len(result.systems)} systems from {result.dataset} n={result.train_size:,}: "
        f"{', '.join(result.systems)}",
        soft_wrap=True,
        markup=False,
    )
    out.print(
        f"wrote {out_dir}/sheet.csv, form.html, answers_template.csv, README.txt; keep {out_dir}/key.json from raters",
        soft_wrap=True,
        markup=False,
    )
    for note in result.notes:
        err.print(f"note: {note}", soft_wrap=True, markup=False)


@human_eval.command("score", no_args_is_help=True)
def score(
    kit: Annotated[Path, typer.Argument(help="The folder written by `human-eval export` (holds key.json).")],
    answers: Annotated[list[Path], typer.Argument(help="Answer CSVs, one per rater (item,criterion,best,worst).")],
) -> None:
    """Print the BWS score per system and criterion (% best - % worst, in [-1, 1]) and inter-rater agreement."""
    from cls_data.report.bws import score_answers

    result = score_answers(kit, answers)
    table = Table(title=f"Best-Worst Scaling, {len(result.raters)} rater(s)")
    table.add_column("system")
    for criterion in result.criteria:
        table.add_column(criterion, justify="right")
    for system in result.systems:
        table.add_row(escape(system), *(f"{result.scores[(system, c)]:+.3f}" for c in result.criteria))
    for name, label in (
        ("best_kappa", "Fleiss' κ (best)"),
        ("worst_kappa", "Fleiss' κ (worst)"),
        ("pairwise", "pairwise agreement"),
    ):
        values = [result.agreement[c][name] for c in result.criteria]
        table.add_row(f"[italic]{label}[/]", *("n/a" if v is None else f"{v:.2f}" for v in values))
    out.print(table)
    for note in result.notes:
        err.print(f"note: {note}", soft_wrap=True, markup=False)
