"""A grid's workers as a Slurm job array through submitit: partition, GPUs, time limit, requeued when preempted.

Each array task runs `grid.run_grid` on the shared RUNS folder (claims share the runs out). When Slurm preempts a
task or its time limit nears, submitit calls `GridWorker.checkpoint` and requeues the task; the requeued worker
takes its claim over once the lease is stale and the run resumes from its checkpoint (docs/scale-out.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cls_data.benchmark.config import GridSpec
from cls_data.errors import ClsDataError

SLURM = ".slurm"  # RUNS/.slurm/: submitit's scripts, pickled workers and logs


@dataclass(frozen=True)
class SlurmOptions:
    partition: str | None = None
    gpus_per_worker: int = 1
    time_minutes: int = 24 * 60
    cpus_per_worker: int | None = None
    cluster: str | None = None  # submitit's: None picks Slurm when `sbatch` is found; "local" and "debug" for tests
    requeues: int = 10  # how many times a preempted or timed-out task comes back


class GridWorker:
    """One array task: drains the grid's runs with the others (a submitit checkpointable callable)."""

    def __init__(
        self, grids: list[GridSpec], out: Path, shard_of: tuple[int, int] = (1, 1), log_with: tuple[str, ...] = ()
    ) -> None:
        self.grids, self.out, self.shard_of, self.log_with = grids, out, shard_of, log_with

    def __call__(self, index: int) -> Any:
        from cls_data.benchmark.grid import run_grid

        return run_grid(self.grids, self.out, shard_of=self.shard_of, log_with=self.log_with)

    def checkpoint(self, index: int) -> Any:
        """Requeue as is: the finished runs are on disk, the interrupted one resumes from its checkpoint."""
        import submitit

        return submitit.helpers.DelayedSubmission(GridWorker(self.grids, self.out, self.shard_of, self.log_with), index)


def executor(out: Path, workers: int, options: SlurmOptions) -> Any:
    try:
        import submitit
    except ImportError:
        raise ClsDataError("--slurm-partition needs submitit: pip install 'cls-data[slurm]'") from None
    made = submitit.AutoExecutor(
        folder=out / SLURM / "%j", cluster=options.cluster, slurm_max_num_timeout=options.requeues
    )
    params: dict[str, Any] = {
        "timeout_min": options.time_minutes,
        "name": "cls-data-benchmark",
        "slurm_array_parallelism": workers,
    }
    if options.gpus_per_worker:
        params["gpus_per_node"] = options.gpus_per_worker
    if options.cpus_per_worker:
        params["cpus_per_task"] = options.cpus_per_worker
    if options.partition:
        params["slurm_partition"] = options.partition
    made.update_parameters(**params)
    return made


def submit_workers(
    grids: list[GridSpec],
    out: Path,
    workers: int,
    options: SlurmOptions,
    *,
    shard_of: tuple[int, int] = (1, 1),
    log_with: tuple[str, ...] = (),
) -> list[Any]:
    """Submit `workers` array tasks; returns submitit's jobs (job.job_id, job.result())."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        return executor(out, workers, options).map_array(
            GridWorker(grids, out.resolve(), shard_of, log_with), range(workers)
        )
    except Exception as exc:  # sbatch missing or refusing: one line with what it said
        if isinstance(exc, ClsDataError):
            raise
        line = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
        raise ClsDataError(f"submitting {workers} workers to Slurm failed: {line}") from None
