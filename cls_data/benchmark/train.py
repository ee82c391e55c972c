"""The training loop: one stage of one run, read top to bottom (accelerate: CPU, one GPU, DDP).

bf16 autocast with fp32 master weights on CUDA, fused AdamW there, gradient accumulation and clipping,
the learned loss weights in their own optimizer group, validation ROUGE-2 with the best weights kept
and a resume checkpoint (`checkpoint.py`), smaller micro-batches when a batch does not fit in GPU
memory (`device.py`). A non-finite loss or gradient norm stops the stage with `NonFiniteLoss`.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from cls_data.benchmark.checkpoint import (
    BEST,
    CHECKPOINT,
    TRAIN_LOG,
    cut_log,
    fresh_state,
    keep_only_best,
    publish_best,
    resume,
    save_checkpoint,
)
from cls_data.benchmark.codec import TextCodec
from cls_data.benchmark.config import DecodeConfig, TrainConfig
from cls_data.benchmark.data import Encoded, collate, fixed_subset, length_batches
from cls_data.benchmark.device import (
    deterministic_algorithms,
    fit_in_memory,
    restart_when_out_of_memory,
    training_accelerator,
)
from cls_data.benchmark.losses import Objective
from cls_data.benchmark.scoring import score_split
from cls_data.benchmark.tracking import NO_TRACKER, RunTracker
from cls_data.errors import ClsDataError
from cls_data.run_folder import read_done, write_done

Progress = Callable[[str, int, int], None]  # (phase, done, total)


class NonFiniteLoss(ClsDataError):
    """The loss or the gradient norm became NaN/inf: the run stops (failed.json names the step and the lr)."""

    def __init__(self, stage: str, step: int, epoch: int, lr: float, loss: float, norm: float) -> None:
        super().__init__(
            f"stage {stage}: non-finite training (loss {loss:g}, gradient norm {norm:g}) at optimizer step {step} "
            f"(epoch {epoch + 1}, lr {lr:g}); lower the learning rate or train in fp32"
        )
        self.stage, self.step, self.epoch, self.lr = stage, step, epoch, lr


@dataclass
class StageJob:
    """Everything one stage needs; `build_model()` returns a `models.base` model, `build_weighting(tasks)` its
    scheme."""

    name: str
    build_model: Callable[[], nn.Module]
    build_weighting: Callable[[tuple[str, ...]], nn.Module]
    train: Encoded
    val: Encoded
    codec: TextCodec
    cfg: TrainConfig
    decode: DecodeConfig
    rouge_tokenizer: str
    seed: int
    work_dir: Path  # checkpoint.pt, train_log.jsonl, best/ (best weights + tokenizer), done.json
    postprocess: Callable[[str], dict] | None = None
    tracker: RunTracker = NO_TRACKER  # every train_log record also goes to the live trackers


@dataclass
class StageResult:
    best_dir: Path
    best_epoch: int
    best_val: dict[str, float]
    steps: int
    train_seconds: float
    samples_per_s: float
    notes: list[str] = field(default_factory=list)


def lr_lambda(cfg: TrainConfig, epoch_ends: list[int], total_steps: int) -> Callable[[int], float]:
    """The lr factor after `step` optimizer steps; `epoch_ends[e]` is the step count at the end of epoch e."""
    if cfg.schedule == "epoch-decay":  # the paper: lr x0.95 at every epoch
        return lambda step: cfg.lr_gamma ** bisect.bisect_right(epoch_ends, step)
    if cfg.schedule == "warmup-linear":
        warmup = max(1, int(cfg.warmup_ratio * total_steps))
        return lambda step: (
            (step + 1) / warmup if step < warmup else max(0.0, (total_steps - step) / max(1, total_steps - warmup))
        )
    if cfg.schedule == "inverse-sqrt":
        warmup = max(1, int(cfg.warmup_ratio * total_steps))
        return lambda step: min((step + 1) / warmup, math.sqrt(warmup / (step + 1)))
    return lambda step: 1.0


class _Run:
    """One stage's training state: set up (model, weighting, optimizer, schedule) and resumed from its checkpoint, with
    the small steps the loop in `_train_stage` calls (log, checkpoint, end an epoch), so that loop reads top to
    bottom."""

    def __init__(self, job: StageJob, accelerator: Any) -> None:
        cfg = job.cfg
        self.job, self.accelerator = job, accelerator
        self.rank, self.world = accelerator.process_index, accelerator.num_processes
        # --- model, loss weighting, optimizer (learned weights: own group, fp32, no decay), schedule
        torch.manual_seed(job.seed), np.random.seed(job.seed), random.seed(job.seed)
        model = job.build_model()
        objective = Objective(model, job.build_weighting(tuple(model.task_names)))
        if (
            cfg.compile and accelerator.device.type == "cuda"
        ):  # pays off on GPU with bucketed shapes; minutes of compiling on CPU
            model.compile()
        # A model may split its parameters into groups with relative learning rates (`param_groups()` ->
        # [(params, lr_scale), ...]; MCLAS: pretrained encoder x0.01 of the fresh decoder's rate).
        split = model.param_groups() if hasattr(model, "param_groups") else [(list(model.parameters()), 1.0)]
        groups = [
            {"params": [p for p in params if p.requires_grad], "weight_decay": cfg.weight_decay, "lr": cfg.lr * scale}
            for params, scale in split
        ]
        if list(objective.weighting.parameters()):
            groups.append(
                {
                    "params": list(objective.weighting.parameters()),
                    "weight_decay": 0.0,
                    "lr": cfg.weighting_lr or cfg.lr,
                }
            )
        optimizer = torch.optim.AdamW(
            groups, lr=cfg.lr, betas=cfg.adam_betas, eps=cfg.adam_eps, fused=accelerator.device.type == "cuda"
        )
        # Token-budget batches vary in number from epoch to epoch: count each epoch's optimizer steps.
        epoch_steps = [
            math.ceil(len(length_batches(job.train, cfg, seed=job.seed, epoch=e)) // self.world / cfg.grad_accum)
            for e in range(cfg.epochs)
        ]
        epoch_ends = np.cumsum(epoch_steps).tolist()
        self.total_steps = min(cfg.max_steps or 10**12, epoch_ends[-1])
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(cfg, epoch_ends, self.total_steps))
        self.objective, self.optimizer = accelerator.prepare(objective, optimizer)
        self.val = job.val.subset(fixed_subset(len(job.val), cfg.val_subset))
        self.log_path, self.checkpoint = job.work_dir / TRAIN_LOG, job.work_dir / CHECKPOINT
        # --- resumed: model, weighting, optimizer, schedule, loop position and RNG from the checkpoint; the log cut to
        # match
        saved = resume(self.checkpoint, cfg, accelerator.unwrap_model(self.objective), self.optimizer, self.scheduler)
        self.resumed, self.state = saved is not None, fresh_state() if saved is None else saved
        self.resumed_at = self.state["step"]
        if self.rank == 0:
            keep_only_best(job.work_dir, self.state["best"]["dir"])
            cut_log(self.log_path, self.state["log_lines"])

    def log(self, record: dict) -> None:
        if self.rank == 0:
            with self.log_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"stage": self.job.name, **record}, ensure_ascii=False) + "\n")
            self.job.tracker.log_record(self.job.name, record)
        self.state["log_lines"] += 1

    def weights(self) -> dict[str, float]:
        return self.accelerator.unwrap_model(self.objective).weighting.learned_values()

    def save_checkpoint(self) -> None:
        state = self.state
        state["sums"] = {k: float(v) for k, v in state["sums"].items()}  # float64 both ways: exact on resume
        if self.rank == 0:
            save_checkpoint(
                self.checkpoint,
                self.job.cfg,
                objective=self.accelerator.unwrap_model(self.objective).state_dict(),
                optimizer=self.optimizer.state_dict(),
                scheduler=self.scheduler.state_dict(),
                state=state,
            )
        self.accelerator.wait_for_everyone()

    def end_epoch(self, epoch: int, started: float, progress: Progress) -> None:
        """The epoch's log line: mean losses and, when due, validation ROUGE-2 (full split or a fixed subset) with the
        best weights kept; then a checkpoint at the next epoch's start. `started`: the epoch's or last checkpoint's
        time."""
        job, state, cfg = self.job, self.state, self.job.cfg
        state["train_seconds"] += time.perf_counter() - started
        record = {
            "kind": "epoch",
            "epoch": epoch,
            "step": state["step"],
            "lr": self.scheduler.get_last_lr()[0],
            "losses": {k: float(v) / max(state["counts"], 1) for k, v in state["sums"].items()},
            "weights": self.weights(),
        }
        if (epoch + 1) % cfg.val_every == 0 or state["step"] >= self.total_steps or epoch == cfg.epochs - 1:
            unwrapped = self.accelerator.unwrap_model(self.objective).model
            if self.rank == 0:
                scored = score_split(
                    unwrapped,
                    job.codec,
                    self.val,
                    job.decode,
                    job.rouge_tokenizer,
                    postprocess=job.postprocess,
                    on_progress=lambda d, t: progress(f"validate {job.name}", d, t),
                )
                record["val"], record["val_seconds"] = scored.rouge, scored.seconds
                last = cfg.test_weights == "last" and (state["step"] >= self.total_steps or epoch == cfg.epochs - 1)
                if scored.rouge["rouge2"] > state["best"]["rouge2"] or last:  # --test-weights last: the final epoch's
                    state["best"] = {
                        "rouge2": scored.rouge["rouge2"],
                        "epoch": epoch,
                        "val": scored.rouge,
                        "dir": publish_best(unwrapped, job.codec, job.work_dir),
                    }
            self.accelerator.wait_for_everyone()
        record["seconds"] = round(time.perf_counter() - started, 3)
        self.log(record)
        state.update(epoch=epoch + 1, batch=0, sums={}, counts=0)
        self.save_checkpoint()

    def finish(self) -> StageResult:
        """The result (best weights kept, `done.json` written) and the optimizer state dropped."""
        state = self.state
        best_dir = self.job.work_dir / (
            state["best"].get("dir") or BEST
        )  # the folder itself: a run folder takes it by rename
        result = StageResult(
            best_dir=best_dir,
            best_epoch=state["best"]["epoch"],
            best_val=state["best"]["val"],
            steps=state["step"],
            train_seconds=round(state["train_seconds"], 3),
            samples_per_s=round(state["samples"] / max(state["train_seconds"], 1e-9), 3),
            notes=[f"stage {self.job.name}: resumed from its checkpoint at optimizer step {self.resumed_at}"]
            if self.resumed
            else [],
        )
        if self.rank == 0:
            write_done(self.job.work_dir, {**result.__dict__, "best_dir": str(result.best_dir)})
            self.checkpoint.unlink(missing_ok=True)
        self.accelerator.wait_for_everyone()
        return result


def train_stage(job: StageJob, on_progress: Progress | None = None) -> StageResult:
    """Train one stage to its configured end (resuming from `work_dir/checkpoint.pt` if present), with smaller
    micro-batches (the same effective batch) when a batch does not fit in GPU memory (`device.fit_in_memory`)."""
    progress = on_progress or (lambda phase, done, total: None)
    with deterministic_algorithms(job.cfg.deterministic):
        return fit_in_memory(job, lambda fitted: _train_stage(fitted, progress))


def _train_stage(job: StageJob, progress: Progress) -> StageResult:
    cfg = job.cfg
    job.work_dir.mkdir(parents=True, exist_ok=True)
    done = read_done(job.work_dir)
    if done is not None:  # finished earlier: nothing to redo
        return StageResult(**{**done, "best_dir": Path(done["best_dir"])})
    accelerator = training_accelerator(cfg)
    run = _Run(job, accelerator)
    objective, optimizer, scheduler, state, world = run.objective, run.optimizer, run.scheduler, run.state, run.world

    # --- the loop
    objective.train()
    group_loss = torch.zeros((), device=accelerator.device, dtype=torch.float64)
    for epoch in range(state["epoch"], cfg.epochs):
        if state["step"] >= run.total_steps:
            break
        started = time.perf_counter()
        batches = length_batches(job.train, cfg, seed=job.seed, epoch=epoch)
        batches = batches[: len(batches) // world * world][run.rank :: world]  # the same count on every rank
        for index in range(state["batch"], len(batches)):
            group_start = index - index % cfg.grad_accum
            group_size = min(cfg.grad_accum, len(batches) - group_start)
            sync = index == group_start + group_size - 1
            batch = {
                k: v.to(accelerator.device, non_blocking=True)
                for k, v in collate(job.train, batches[index], cfg, job.codec.pad_id).items()
            }
            # Out of memory before any checkpoint of this stage: it starts again with smaller micro-batches.
            with (
                nullcontext() if sync else accelerator.no_sync(objective),
                restart_when_out_of_memory(epoch == 0 and not run.resumed),
            ):
                total, losses = objective(batch)
                accelerator.backward(total / group_size)
            for name, value in {**losses, "total": total}.items():  # on device: no sync per micro-batch
                state["sums"][name] = state["sums"].get(name, 0.0) + value.detach().double()
            group_loss += total.detach().double()
            state["counts"] += 1
            state["samples"] += len(batches[index]) * world
            if not sync:
                continue
            clipped = (
                accelerator.unwrap_model(objective) if cfg.clip_weighting else accelerator.unwrap_model(objective).model
            )
            norm = accelerator.clip_grad_norm_(clipped.parameters(), cfg.clip_norm or float("inf"))
            # One host sync per optimizer step. The norm is the same on every rank (DDP averaged the gradients), so all
            # ranks stop together; a NaN loss gives NaN gradients, hence a NaN norm.
            if not bool(
                torch.isfinite(group_loss + torch.as_tensor(norm, device=group_loss.device, dtype=torch.float64))
            ):
                raise NonFiniteLoss(
                    job.name, state["step"] + 1, epoch, scheduler.get_last_lr()[0], float(group_loss), float(norm)
                )
            group_loss.zero_()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            state["step"] += 1
            state["batch"] = index + 1
            if state["step"] % cfg.log_every == 0:
                run.log(
                    {
                        "kind": "step",
                        "epoch": epoch,
                        "step": state["step"],
                        "lr": scheduler.get_last_lr()[0],
                        "losses": {k: v.item() for k, v in losses.items()} | {"total": total.item()},
                        "weights": run.weights(),
                    }
                )
            if cfg.checkpoint_every and state["step"] % cfg.checkpoint_every == 0:
                state["train_seconds"] += time.perf_counter() - started
                started = time.perf_counter()
                run.save_checkpoint()
            progress(f"train {job.name}", state["step"], run.total_steps)
            if state["step"] >= run.total_steps:
                break
        run.end_epoch(epoch, started, progress)
    return run.finish()
