"""A stage on its device: the accelerator, deterministic algorithms, and smaller micro-batches when memory runs out.

When a batch runs out of GPU memory during the first epoch, the stage starts again with half the pairs
per micro-batch and twice the accumulation (the same effective batch, as the paper's code did to fit its
GPU). The choice is kept in `micro_batch.json`, so a resumed stage uses it too, and noted in the result.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import torch

from cls_data.benchmark.checkpoint import forget_progress
from cls_data.benchmark.config import TrainConfig
from cls_data.outputs import write_json_atomic
from cls_data.run_folder import read_json

if TYPE_CHECKING:
    from cls_data.benchmark.train import StageJob, StageResult

MICRO_BATCH = "micro_batch.json"  # the micro-batching a stage fell back to when its batch did not fit in memory


def make_accelerator(cfg: TrainConfig) -> Any:
    """accelerate's Accelerator: CPU, one GPU or DDP, bf16 autocast on CUDA unless `cfg.precision` says otherwise."""
    from accelerate import Accelerator

    cuda = torch.cuda.is_available()
    bf16 = cfg.precision == "bf16" or (cfg.precision == "auto" and cuda)
    # Autocast keeps the fp32 weights as master copies (plain bf16 weights drop small Adam updates).
    return Accelerator(cpu=not cuda, mixed_precision="bf16" if bf16 else "no")


def training_accelerator(cfg: TrainConfig) -> Any:
    """`make_accelerator(cfg)` for training: cuDNN attention off on CUDA."""
    accelerator = make_accelerator(cfg)
    if accelerator.device.type == "cuda":
        # cuDNN attention builds a plan per new shape (seconds each; docs/paper-fidelity.md); the bucketed
        # shapes still make dozens of them, and flash/memory-efficient SDPA need none.
        torch.backends.cuda.enable_cudnn_sdp(False)
    return accelerator


@contextmanager
def deterministic_algorithms(on: bool) -> Iterator[None]:
    """torch's deterministic algorithms (and cuBLAS's fixed workspace) for one stage, restored afterwards."""
    if not on:
        yield
        return
    before = (
        torch.are_deterministic_algorithms_enabled(),
        torch.backends.cudnn.benchmark,
        torch.backends.cudnn.deterministic,
        os.environ.get("CUBLAS_WORKSPACE_CONFIG"),
    )
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # cuBLAS is deterministic only with a fixed workspace
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = False, True
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before[0])
        torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = before[1], before[2]
        if before[3] is None:
            os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)


class OutOfMemoryInFirstEpoch(Exception):
    """GPU memory ran out before the first epoch ended: the stage restarts with smaller micro-batches."""


@contextmanager
def restart_when_out_of_memory(first_attempt: bool) -> Iterator[None]:
    """Turn running out of GPU memory into `OutOfMemoryInFirstEpoch` while `first_attempt` (the first epoch, not
    resumed): before any checkpoint of the stage, starting again smaller loses nothing."""
    try:
        yield
    except torch.OutOfMemoryError as exc:
        if first_attempt:
            raise OutOfMemoryInFirstEpoch from exc
        raise


def fit_in_memory(job: StageJob, train: Callable[[StageJob], StageResult]) -> StageResult:
    """`train(job)`, again at half the micro-batch (and twice the accumulation) each time its first epoch runs
    out of GPU memory; the result notes the micro-batching it trained with when that differs from `job`'s."""
    planned = job.cfg
    while True:
        job = _recorded(job)
        try:
            result = train(job)
            break
        except OutOfMemoryInFirstEpoch as oom:
            cfg = job.cfg
            if (
                cfg.token_budget is not None or cfg.batch_size % 2
            ):  # batch 1 or odd: halving would change the effective batch
                raise oom.__cause__ from None
            forget_progress(job.work_dir)
            write_json_atomic(
                job.work_dir / MICRO_BATCH, {"batch_size": cfg.batch_size // 2, "grad_accum": cfg.grad_accum * 2}
            )
    if (job.cfg.batch_size, job.cfg.grad_accum) != (planned.batch_size, planned.grad_accum):
        note = (
            f"stage {job.name}: {planned.batch_size} pairs per micro-batch did not fit in GPU memory; trained "
            f"{job.cfg.batch_size} x {job.cfg.grad_accum} micro-batches (the same effective batch)"
        )
        result.notes = [*result.notes, note] if note not in result.notes else result.notes
    return result


def _recorded(job: StageJob) -> StageJob:
    """The job with the micro-batching recorded by an earlier fallback (the same effective batch)."""
    recorded = job.work_dir / MICRO_BATCH
    if not recorded.exists():
        return job
    micro = read_json(recorded)
    if micro["batch_size"] * micro["grad_accum"] != job.cfg.batch_size * job.cfg.grad_accum:
        return job  # recorded for other settings; the checkpoint check will say so
    return dataclasses.replace(
        job, cfg=dataclasses.replace(job.cfg, batch_size=micro["batch_size"], grad_accum=micro["grad_accum"])
    )
