"""`cls-data benchmark`: train and score CLS models on built datasets (a grid of run folders)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cls_data.benchmark.presets import PRESETS  # plain dataclasses: no torch
from cls_data.benchmark.registry import WEIGHTINGS, family_option, variant_names  # no torch (lazy registry)
from cls_data.cli.console import err, out
from cls_data.cli.interrupt import resumable

PresetName = enum.Enum("PresetName", {name: name for name in PRESETS}, type=str)  # the preset registry's names
TestWeights = enum.Enum("TestWeights", {"best": "best", "last": "last"}, type=str)
PRESET_HELP = ", ".join(f"{preset.name} ({preset.summary})" for preset in PRESETS.values()) + "."


def _list(text: str | None, kind=str) -> tuple | None:
    from cls_data.errors import ClsDataError

    if text is None:
        return None
    try:
        return tuple(kind(part.strip()) for part in text.split(",") if part.strip())
    except ValueError:
        raise ClsDataError(f"{text!r} is not a comma-separated list of {kind.__name__} values") from None


def benchmark(
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="RUNS",
            rich_help_panel="What to run, and where",
            help="RUNS folder: one sub-folder per run, results.json, results.md.",
        ),
    ],
    dataset: Annotated[
        list[str] | None,
        typer.Option(
            "--dataset",
            "-d",
            metavar="PATH|HUB_ID",
            rich_help_panel="What to run, and where",
            help="A folder written by `cls-data build`, or a Hub dataset id. Repeatable.",
        ),
    ] = None,
    variants: Annotated[
        str | None,
        typer.Option(
            metavar="NAMES",
            rich_help_panel="What to run, and where",
            help=f"Comma-separated variant names, or 'all' (the default): {', '.join(variant_names())}.",
        ),
    ] = None,
    weighting: Annotated[
        str | None,
        typer.Option(
            metavar="NAMES",
            rich_help_panel="What to run, and where",
            help=f"Loss weightings for two-task variants: {','.join(WEIGHTINGS)} or 'all' (default: each variant's "
            "own; smoke: all).",
        ),
    ] = None,
    r: Annotated[
        str | None,
        typer.Option(
            "--r",
            metavar="R,...",
            rich_help_panel="What to run, and where",
            help="r values of the tflcls weighting, comma-separated (default 2).",
        ),
    ] = None,
    train_sizes: Annotated[
        str | None,
        typer.Option(
            metavar="N,...",
            rich_help_panel="What to run, and where",
            help="Training-set sizes (default 1000,3000,5000 -> train_1000, train_3000, train; smoke: 1000).",
        ),
    ] = None,
    seeds: Annotated[
        str | None,
        typer.Option(
            metavar="K,...", rich_help_panel="What to run, and where", help="Seeds, comma-separated (default 0)."
        ),
    ] = None,
    preset: Annotated[PresetName | None, typer.Option(rich_help_panel="How to train", help=PRESET_HELP)] = None,
    backbone: Annotated[
        str | None,
        typer.Option(
            metavar="NAME|PATH",
            rich_help_panel="How to train",
            help="mBART-family backbone: Hub id or local folder (default facebook/mbart-large-cc25; smoke: a tiny "
            "model trained on the dataset); FAMILY=NAME,... for other families, e.g. "
            "llm=Qwen/Qwen2.5-0.5B-Instruct (default Qwen/Qwen2.5-1.5B-Instruct).",
        ),
    ] = None,
    eval_on: Annotated[
        list[str] | None,
        typer.Option(
            "--eval-on",
            "--extra-test",
            metavar="PATH|HUB_ID",
            rich_help_panel="Evaluation and languages",
            help="Also decode this built dataset's test split with each run's best model (separate rows; e.g. a "
            "`build crosssum` folder). Repeatable.",
        ),
    ] = None,
    src_lang: Annotated[
        str | None,
        typer.Option(
            metavar="LANG",
            rich_help_panel="Evaluation and languages",
            help="Source language when the dataset has no build_info.json (vi, en, zh).",
        ),
    ] = None,
    tgt_lang: Annotated[
        str | None,
        typer.Option(
            metavar="LANG",
            rich_help_panel="Evaluation and languages",
            help="Target language when the dataset has no build_info.json.",
        ),
    ] = None,
    shots: Annotated[
        int | None, typer.Option(metavar="K", min=0, rich_help_panel="LLM family", help=family_option("shots").help)
    ] = None,
    llm_url: Annotated[
        str | None, typer.Option(metavar="URL", rich_help_panel="LLM family", help=family_option("llm_url").help)
    ] = None,
    spec: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            metavar="FILE",
            rich_help_panel="What to run, and where",
            help="A grid file (TOML/JSON, see grids/paper.toml) instead of the grid options; options given here "
            "override it, except --variants, which picks from its runs.",
        ),
    ] = None,
    shard: Annotated[
        str,
        typer.Option(
            metavar="K/N",
            rich_help_panel="Shards, plan and tracking",
            help="Take only shard K of N (1-based): every N-th run by folder; any number of commands may share --out "
            "(docs/scale-out.md).",
        ),
    ] = "1/1",
    plan_only: Annotated[
        bool,
        typer.Option(
            "--plan",
            rich_help_panel="Shards, plan and tracking",
            help="List the runs and estimated H100-hours, then exit (nothing is trained).",
        ),
    ] = False,
    deterministic: Annotated[
        bool,
        typer.Option(
            "--deterministic",
            rich_help_panel="How to train",
            help="Deterministic algorithms on CUDA: a killed run resumes to exactly the weights of an uninterrupted "
            "one (slower; CPU runs are deterministic anyway).",
        ),
    ] = False,
    paper_code: Annotated[
        bool,
        typer.Option(
            "--paper-code",
            rich_help_panel="How to train",
            help="Train with the numerics of the paper's code: fp32, shuffled (not length-grouped) batches, its "
            "micro-batches (4x4, 2x8), clipping over every parameter, deterministic. Slower; see "
            "docs/paper-fidelity.md.",
        ),
    ] = False,
    test_weights: Annotated[
        TestWeights,
        typer.Option(
            "--test-weights",
            rich_help_panel="How to train",
            help="Which weights each run tests: the best validation epoch's (ROUGE-2), or the last epoch's, as the "
            "paper's code did (trainer.test after fit). Recorded in config.json and the report.",
        ),
    ] = TestWeights.best,
    paper_tokens: Annotated[
        str | None,
        typer.Option(
            "--paper-tokens",
            metavar="TOKENIZER",
            rich_help_panel="How to train",
            help="Also score every run in the paper's ROUGE unit with this tokenizer (folder or Hub id) [default: "
            "facebook/mbart-large-cc25 when it is in the local Hugging Face cache, else not scored]; "
            "docs/paper-fidelity.md.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            metavar="N",
            min=1,
            rich_help_panel="Shards, plan and tracking",
            help="Start N workers on --out: one per visible GPU (CUDA_VISIBLE_DEVICES), else N CPU processes; with "
            "--slurm-partition, a Slurm array of N. With --plan: the wall time on N workers (docs/scale-out.md).",
        ),
    ] = 1,
    slurm_partition: Annotated[
        str | None,
        typer.Option(
            "--slurm-partition",
            metavar="NAME",
            rich_help_panel="Shards, plan and tracking",
            help="Submit the --workers as a Slurm job array on this partition (submitit; preempted tasks are requeued "
            "and resume).",
        ),
    ] = None,
    slurm_gpus: Annotated[
        int,
        typer.Option(
            "--slurm-gpus",
            metavar="G",
            min=0,
            rich_help_panel="Shards, plan and tracking",
            help="GPUs per Slurm worker (default 1).",
        ),
    ] = 1,
    slurm_time: Annotated[
        int,
        typer.Option(
            "--slurm-time",
            metavar="MINUTES",
            min=1,
            rich_help_panel="Shards, plan and tracking",
            help="Time limit of each Slurm worker in minutes (default 1440); it is requeued when it runs out.",
        ),
    ] = 1440,
    log_with: Annotated[
        list[str] | None,
        typer.Option(
            "--log-with",
            metavar="TRACKER",
            rich_help_panel="Shards, plan and tracking",
            help="Follow each run live: tensorboard (RUNS/tensorboard/), wandb, trackio or mlflow; comma-separated or "
            "repeated (default: none).",
        ),
    ] = None,
) -> None:
    """Train and evaluate the paper's systems (mBART-CLS, TFLCLS, its ablations and loss weightings, the baselines) and
    an instruction LLM (prompted or LoRA) on built datasets."""
    from cls_data.benchmark.config import GridSpec
    from cls_data.benchmark.grid import grid_spec, load_grid_file, parse_shard
    from cls_data.errors import ClsDataError

    options = {
        "datasets": tuple(dataset) if dataset else None,
        "variants": _list(variants),
        "weightings": _list(weighting),
        "rs": _list(r, float),
        "train_sizes": _list(train_sizes, int),
        "seeds": _list(seeds, int),
        "preset": preset.value if preset else None,
        "backbone": backbone,
        "eval_on": tuple(eval_on) if eval_on else None,
        "src_lang": src_lang,
        "tgt_lang": tgt_lang,
        "deterministic": deterministic or None,
        "paper_code": paper_code or None,
        "shots": shots,
        "llm_url": llm_url,
        "test_weights": test_weights.value if test_weights is not TestWeights.best else None,
        "paper_tokens": paper_tokens,
    }
    if spec is not None:
        grids = load_grid_file(spec, **options)
    else:
        if not dataset:
            raise ClsDataError("pass --dataset PATH|HUB_ID (or a grid file with --spec)")
        for key, value in PRESETS[
            options["preset"] or GridSpec.preset
        ].grid_defaults:  # e.g. smoke: every variant and weighting once
            options[key] = options[key] or value
        grids = [grid_spec({k: v for k, v in options.items() if v is not None})]
    shard_of = parse_shard(shard)
    if plan_only:
        _print_plan(grids, out_dir, shard_of, workers)
        return
    from cls_data.benchmark.tracking import check_trackers

    trackers = check_trackers([name for text in log_with or [] for name in _list(text) or ()])  # before any training
    with resumable(f"finished runs are kept in {out_dir} and the interrupted one resumes from its last checkpoint"):
        if slurm_partition:
            from cls_data.cli.benchmark_workers import submit_slurm

            submit_slurm(grids, out_dir, shard_of, trackers, workers, slurm_partition, slurm_gpus, slurm_time)
        elif workers > 1:
            from cls_data.cli.benchmark_workers import run_workers

            run_workers(grids, out_dir, shard_of, trackers, workers)
        else:
            _run(grids, out_dir, shard_of, trackers)


def _print_plan(grids: list, out_dir: Path, shard_of: tuple[int, int], workers: int = 1) -> None:
    from cls_data.benchmark.context import RunContext
    from cls_data.benchmark.grid import expand_all, shard
    from cls_data.benchmark.plan import FORMULA, disk_needed, human_bytes, plan, schedules, supplied_runs

    ctx = RunContext.from_grid(grids[0], out_dir)  # what the runs would train with (--paper-code included)
    preset = ctx.preset
    runs, dropped = supplied_runs(shard(expand_all(grids), *shard_of), ctx)
    if not runs:  # the reason first and a failing status, not an empty table
        from cls_data.errors import ClsDataError

        why = "; ".join(dropped) or f"shard {shard_of[0]}/{shard_of[1]} holds no run"
        raise ClsDataError(f"nothing to run: {why}")
    planned = plan(runs, ctx)
    for note in dropped:
        err.print(f"note: {escape(note)}", soft_wrap=True)
    label = "" if preset.faithful else " (UNVALIDATED: changes the paper's optimisation)"
    table = Table(
        "run folder",
        "status",
        "H100-hours",
        title=f"{len(planned)} runs, preset {preset.name}{label}, shard {shard_of[0]}/{shard_of[1]}",
    )
    for item in planned:
        table.add_row(escape(item.run_dir), item.status, f"{item.hours:.2f}")
    out.print(table)
    lengths = f", at {runs[0].dataset_name}'s lengths" if runs else ""
    out.print(f"per stage (preset {preset.name}{label}{lengths}):", soft_wrap=True, markup=False)
    for line in schedules(runs, ctx):
        paper = "" if line.paper_steps is None else f" (paper's recipe: {line.paper_steps:,})"
        out.print(
            f"  {line.label:<24} n={line.train_size:<6,} {line.epochs:g} epochs, {line.steps:,} optimizer "
            f"steps{paper}, {line.pairs_per_step:g} pairs per step, lr {line.lr:.3g}; {line.micro}",
            soft_wrap=True,
            markup=False,
        )
    for path in dict.fromkeys(d for g in grids for d in g.datasets):
        if not Path(path).is_dir():
            err.print(
                f"note: {escape(path)} is not a local folder; it will be loaded as a Hub dataset id", soft_wrap=True
            )
    total = sum(item.hours for item in planned)
    todo = sum(item.status != "done" for item in planned)
    kept, work = disk_needed(planned)
    out.print(
        f"estimated {total:.1f} H100-hours for {todo} runs to do (of {len(planned)}); one GPU of another kind scales "
        "by its speed.",
        soft_wrap=True,
    )
    out.print(_wall_time(runs, ctx, workers), soft_wrap=True, markup=False)
    out.print(
        f"disk: about {human_bytes(kept + work)} under {out_dir} ({human_bytes(kept)} of best weights kept in run "
        f"folders, {human_bytes(work)} while the largest run trains), plus the token cache.",
        soft_wrap=True,
        markup=False,
    )
    err.print(f"[dim]{escape(FORMULA)}[/]", soft_wrap=True)


def _wall_time(runs: list, ctx, workers: int) -> str:
    from cls_data.benchmark.schedule import costed_runs, makespan, static_makespan

    costed = costed_runs(runs, ctx)
    counts = dict.fromkeys([1, 2, 4, 8, workers])
    walls = ", ".join(f"{n} worker{'s' if n > 1 else ''} {makespan(costed, n):.1f} h" for n in sorted(counts))
    static = (
        f"; {workers} round-robin --shard K/{workers} alone: {static_makespan(costed, workers):.1f} h"
        if workers > 1
        else ""
    )
    return f"wall time on H100s (workers claiming the most expensive run first): {walls}{static}"


def _run(grids: list, out_dir: Path, shard_of: tuple[int, int], log_with: tuple[str, ...] = ()) -> None:
    from cls_data.benchmark.grid import run_grid
    from cls_data.benchmark.quiet import quiet_transformers
    from cls_data.benchmark.runs import is_main_process
    from cls_data.cli.progress import GridProgress
    from cls_data.report.writer import write_results  # results.json and results.md after each run

    if not is_main_process():  # the other ranks of a DDP launch train along quietly
        run_grid(grids, out_dir, shard_of=shard_of, log_with=log_with)
        return

    with quiet_transformers(), GridProgress(err) as on_progress:
        result = run_grid(
            grids, out_dir, shard_of=shard_of, on_progress=on_progress, write_results=write_results, log_with=log_with
        )
    others = f", {len(result.by_others)} done by other workers" if result.by_others else ""
    out.print(
        f"{len(result.done)} runs done, {len(result.skipped)} already complete (skipped){others}, "
        f"{len(result.failed)} failed"
    )
    for run_dir, error in result.failed:
        err.print(f"[red]failed[/] {escape(run_dir)}: {escape(error)}", soft_wrap=True)
    out.print(f"results: {out_dir / 'results.json'}, {out_dir / 'results.md'}", soft_wrap=True, markup=False)
    if result.failed:
        raise typer.Exit(1)
