"""Workers for one grid placed by existing engines: N local processes (one per visible GPU) or a Slurm array (submitit).

Every worker runs `grid.run_grid` on the same RUNS folder; the claims of `claims.py` share the runs out, so the
launcher only starts processes and watches the folder (`grid_status`): it schedules nothing itself.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cls_data.benchmark.claims import claim_path
from cls_data.benchmark.config import GridSpec
from cls_data.errors import ClsDataError

WORKERS = ".workers"  # RUNS/.workers/worker-K.log: each local worker's own output (warnings, tracebacks)


@dataclass(frozen=True)
class GridStatus:
    """Runs of the grid done (or failed), in flight (claimed by a worker) and left, from the RUNS folder itself."""

    done: int
    in_flight: int
    left: int

    @property
    def total(self) -> int:
        return self.done + self.in_flight + self.left


def grid_runs(grids: list[GridSpec], shard_of: tuple[int, int] = (1, 1)) -> list[str]:
    from cls_data.benchmark.grid import expand_all, shard

    return [run.rel_dir.as_posix() for run in shard(expand_all(grids), *shard_of)]


def grid_status(runs: list[str], out: Path) -> GridStatus:
    from cls_data.run_folder import FAILED, work_dir

    done = sum((out / rel).exists() or (work_dir(out / rel) / FAILED).exists() for rel in runs)
    in_flight = sum(not (out / rel).exists() and claim_path(out, rel).exists() for rel in runs)
    return GridStatus(done, in_flight, len(runs) - done - in_flight)


def visible_gpus() -> list[str]:
    """CUDA_VISIBLE_DEVICES when set, else the GPUs `nvidia-smi -L` lists, else none (CPU workers)."""
    if os.environ.get("CUDA_VISIBLE_DEVICES") is not None:
        return [part for part in os.environ["CUDA_VISIBLE_DEVICES"].split(",") if part.strip()]
    if not shutil.which("nvidia-smi"):
        return []
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(i) for i, line in enumerate(listed.splitlines()) if line.startswith("GPU ")]


@dataclass
class WorkerOutcome:
    index: int
    device: str  # "cuda:<id>" or "cpu"
    exitcode: int | None
    log: Path
    result: Any = None  # grid.GridResult, or None when the worker died
    error: str | None = None


def _worker_main(
    index: int,
    grids: list[GridSpec],
    out: Path,
    shard_of: tuple[int, int],
    log_with: tuple[str, ...],
    log: Path,
    queue: Any,
) -> None:
    """One local worker: its output to its log file, its GridResult (or error line) back to the launcher."""
    with open(log, "a", encoding="utf-8") as handle:
        os.dup2(handle.fileno(), 1), os.dup2(handle.fileno(), 2)
    from cls_data.benchmark.grid import run_grid

    try:
        queue.put((index, run_grid(grids, out, shard_of=shard_of, log_with=log_with), None))
    except ClsDataError as exc:
        queue.put((index, None, str(exc)))
        raise SystemExit(1) from None


def run_local_workers(
    grids: list[GridSpec],
    out: Path,
    workers: int,
    *,
    shard_of: tuple[int, int] = (1, 1),
    log_with: tuple[str, ...] = (),
    gpus: list[str] | None = None,
    on_status: Callable[[GridStatus], None] | None = None,
    poll: float = 1.0,
) -> list[WorkerOutcome]:
    """Start `workers` processes on one RUNS folder (worker K on GPU K of `gpus`, round robin; CPU without GPUs),
    report the folder's status every `poll` seconds, and return each worker's outcome when all have ended."""
    gpus = visible_gpus() if gpus is None else gpus
    (out / WORKERS).mkdir(parents=True, exist_ok=True)
    runs, context = grid_runs(grids, shard_of), multiprocessing.get_context("spawn")
    queue = context.Queue()
    outcomes, processes = [], []
    for index in range(workers):
        device = gpus[index % len(gpus)] if gpus else None
        log = out / WORKERS / f"worker-{index + 1}.log"
        outcomes.append(WorkerOutcome(index, f"cuda:{device}" if device is not None else "cpu", None, log))
        saved = os.environ.get("CUDA_VISIBLE_DEVICES")
        os.environ["CUDA_VISIBLE_DEVICES"] = device if device is not None else ""  # the child inherits it at start
        try:
            process = context.Process(target=_worker_main, args=(index, grids, out, shard_of, log_with, log, queue))
            process.start()
        finally:
            os.environ.pop("CUDA_VISIBLE_DEVICES") if saved is None else os.environ.__setitem__(
                "CUDA_VISIBLE_DEVICES", saved
            )
        processes.append(process)
    while any(p.is_alive() for p in processes):
        _collect(queue, outcomes)
        if on_status:
            on_status(grid_status(runs, out))
        time.sleep(poll)
    _collect(queue, outcomes)
    for outcome, process in zip(outcomes, processes, strict=True):
        process.join()
        outcome.exitcode = process.exitcode
    if on_status:
        on_status(grid_status(runs, out))
    return outcomes


def _collect(queue: Any, outcomes: list[WorkerOutcome]) -> None:
    import queue as queues

    while True:
        try:
            index, result, error = queue.get_nowait()
        except queues.Empty:
            return
        outcomes[index].result, outcomes[index].error = result, error
