"""`cls-data benchmark --workers N` and `--slurm-partition`: start the workers, show the grid's progress."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from cls_data.cli.console import err, out


def run_workers(grids: list, out_dir: Path, shard_of: tuple[int, int], log_with: tuple[str, ...], workers: int) -> None:
    from cls_data.benchmark.launch import run_local_workers, visible_gpus
    from cls_data.cli.progress import run_bars

    gpus = visible_gpus()
    where = f"GPUs {', '.join(gpus)}" if gpus else "CPU"
    out.print(
        f"{workers} workers on {where}; each worker's output: {out_dir / '.workers'}/worker-K.log",
        soft_wrap=True,
        markup=False,
    )
    with run_bars(err) as bars:
        task = bars.add_task("runs", total=None)

        def on_status(status) -> None:
            bars.update(
                task,
                completed=status.done,
                total=status.total,
                description=f"runs ({status.in_flight} in flight, {status.left} left)",
            )

        outcomes = run_local_workers(
            grids, out_dir, workers, shard_of=shard_of, log_with=log_with, gpus=gpus, on_status=on_status
        )
    failed = False
    for outcome in outcomes:
        result = outcome.result
        if result is None:
            failed = True
            why = outcome.error or f"exit code {outcome.exitcode}; see {outcome.log}"
            err.print(f"[red]worker {outcome.index + 1}[/] ({outcome.device}) stopped: {escape(why)}", soft_wrap=True)
            continue
        failed = failed or bool(result.failed)
        out.print(
            f"worker {outcome.index + 1} ({outcome.device}): {len(result.done)} runs done, "
            f"{len(result.skipped)} already complete, {len(result.failed)} failed",
            markup=False,
        )
        for run_dir, error in result.failed:
            err.print(f"[red]failed[/] {escape(run_dir)}: {escape(error)}", soft_wrap=True)
    out.print(f"results: {out_dir / 'results.json'}, {out_dir / 'results.md'}", soft_wrap=True, markup=False)
    if failed:
        raise typer.Exit(1)


def submit_slurm(
    grids: list,
    out_dir: Path,
    shard_of: tuple[int, int],
    log_with: tuple[str, ...],
    workers: int,
    partition: str,
    gpus: int,
    minutes: int,
) -> None:
    from cls_data.benchmark.slurm import SLURM, SlurmOptions, submit_workers

    jobs = submit_workers(
        grids,
        out_dir,
        workers,
        SlurmOptions(partition=partition, gpus_per_worker=gpus, time_minutes=minutes),
        shard_of=shard_of,
        log_with=log_with,
    )
    array = jobs[0].job_id.split("_")[0] if jobs else "?"
    out.print(
        f"submitted {len(jobs)} workers as Slurm job array {array} on partition {partition} "
        f"({gpus} GPU(s), {minutes} min each, requeued when preempted); logs: {out_dir / SLURM}",
        soft_wrap=True,
        markup=False,
    )
    out.print(
        f"rerun the same command with --plan to see what is done; results: {out_dir / 'results.json'}",
        soft_wrap=True,
        markup=False,
    )
