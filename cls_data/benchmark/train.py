"""The training loop: one stage of one run, read top to bottom (accelerate: CPU, one GPU, DDP).

bf16 autocast with fp32 master weights on CUDA, fused AdamW there, gradient accumulation and
clipping, the learned loss weights in their own optimizer group, validation ROUGE-2 with the
best weights kept, a resume checkpoint (model, loss weights, optimizer, scheduler, position in
the epoch's batch order, RNG, and which folder holds the best weights with their score) so a
killed run ends exactly as an uninterrupted one would (on CUDA only with `deterministic`; see
docs/paper-fidelity.md). `best` is a link to a folder of its own: a new best is written
beside the old one and the link is swapped by one rename, so best weights are never absent.
A non-finite loss or gradient norm stops the stage with `NonFiniteLoss` (step and lr).
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import math
import os
import random
import shutil
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from cls_data.benchmark.config import DecodeConfig, TrainConfig, to_dict
from cls_data.benchmark.data import Encoded, collate, fixed_subset, length_batches
from cls_data.benchmark.scoring import score_split
from cls_data.outputs import write_json_atomic
from cls_data.errors import ClsDataError
from cls_data.run_folder import read_done, write_done

Progress = Callable[[str, int, int], None]  # (phase, done, total)
CHECKPOINT = "checkpoint.pt"
BEST = "best"  # a link to the folder `best.<id>` named in the checkpoint


class NonFiniteLoss(ClsDataError):
    """The loss or the gradient norm became NaN/inf: the run stops (failed.json names the step and the lr)."""

    def __init__(self, stage: str, step: int, epoch: int, lr: float, loss: float, norm: float) -> None:
        super().__init__(f"stage {stage}: non-finite training (loss {loss:g}, gradient norm {norm:g}) at optimizer step {step} "
                         f"(epoch {epoch + 1}, lr {lr:g}); lower the learning rate or train in fp32")
        self.stage, self.step, self.epoch, self.lr = stage, step, epoch, lr


@dataclass
class StageJob:
    """Everything one stage needs; `build_model()` returns a `models.base` model, `build_weighting(tasks)` its scheme."""

    name: str
    build_model: Callable[[], nn.Module]
    build_weighting: Callable[[tuple[str, ...]], nn.Module]
    train: Encoded
    val: Encoded
    codec: Any
    cfg: TrainConfig
    decode: DecodeConfig
    rouge_tokenizer: str
    seed: int
    work_dir: Path  # checkpoint.pt, train_log.jsonl, best/ (best weights + tokenizer), done.json
    postprocess: Callable[[str], dict] | None = None
    tracker: Any = None  # a tracking.RunTracker: every train_log record also goes to the live trackers


@dataclass
class StageResult:
    best_dir: Path
    best_epoch: int
    best_val: dict[str, float]
    steps: int
    train_seconds: float
    samples_per_s: float
    notes: list[str] = field(default_factory=list)


class Objective(nn.Module):
    """The model and its loss weighting as one module, so DDP syncs the learned weights' gradients too."""

    def __init__(self, model: nn.Module, weighting: nn.Module) -> None:
        super().__init__()
        self.model, self.weighting = model, weighting

    def forward(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        losses = self.model(batch)
        return self.weighting(losses), losses


def lr_lambda(cfg: TrainConfig, epoch_ends: list[int], total_steps: int) -> Callable[[int], float]:
    """The lr factor after `step` optimizer steps; `epoch_ends[e]` is the step count at the end of epoch e."""
    if cfg.schedule == "epoch-decay":  # the paper: lr x0.95 at every epoch
        return lambda step: cfg.lr_gamma ** bisect.bisect_right(epoch_ends, step)
    if cfg.schedule == "warmup-linear":
        warmup = max(1, int(cfg.warmup_ratio * total_steps))
        return lambda step: (step + 1) / warmup if step < warmup else max(0.0, (total_steps - step) / max(1, total_steps - warmup))
    if cfg.schedule == "inverse-sqrt":
        warmup = max(1, int(cfg.warmup_ratio * total_steps))
        return lambda step: min((step + 1) / warmup, math.sqrt(warmup / (step + 1)))
    return lambda step: 1.0


def make_accelerator(cfg: TrainConfig) -> Any:
    from accelerate import Accelerator

    cuda = torch.cuda.is_available()
    bf16 = cfg.precision == "bf16" or (cfg.precision == "auto" and cuda)
    # Autocast keeps the fp32 weights as master copies (plain bf16 weights drop small Adam updates).
    return Accelerator(cpu=not cuda, mixed_precision="bf16" if bf16 else "no")


def save_weights(model: nn.Module, codec: Any, folder: Path) -> None:
    """Weights as a loadable folder (safetensors + config + tokenizer), written atomically."""
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    if hasattr(model, "save"):
        model.save(tmp)
    elif hasattr(getattr(model, "model", None), "save_pretrained"):
        model.model.save_pretrained(tmp)
    else:
        from safetensors.torch import save_model

        tmp.mkdir(parents=True)
        save_model(model, str(tmp / "model.safetensors"))
    codec.save(tmp)
    os.replace(tmp, folder)


def _point_best(work: Path, name: str) -> None:
    link = work / f"{BEST}.{os.getpid()}.link"
    link.unlink(missing_ok=True)
    link.symlink_to(name)
    os.replace(link, work / BEST)  # one rename: `best` is the old folder or the new one, never absent


def publish_best(model: nn.Module, codec: Any, work: Path) -> str:
    """Write new best weights to a folder of their own and point `work/best` at it; returns the folder's name.
    The previous best stays until the checkpoint that names the new one is saved (`keep_only_best`)."""
    name = f"{BEST}.{uuid.uuid4().hex[:12]}"
    save_weights(model, codec, work / name)
    _point_best(work, name)
    return name


def keep_only_best(work: Path, name: str | None) -> None:
    """Point `work/best` at the folder the checkpoint names and remove every other best folder (a kill between
    publishing a best and checkpointing it leaves one that the resumed run may not keep)."""
    best = work / BEST
    if name is None:
        best.unlink(missing_ok=True)
    elif not best.is_symlink() or os.readlink(best) != name:
        _point_best(work, name)
    for other in work.glob(f"{BEST}.*"):
        if other.name != name:
            shutil.rmtree(other) if other.is_dir() and not other.is_symlink() else other.unlink(missing_ok=True)


def _save_checkpoint_file(obj: dict, checkpoint: Path) -> None:
    """torch.save through a Python file (a full disk is then OSError ENOSPC, not a C++ 'unexpected pos'), atomically."""
    tmp = checkpoint.with_name(checkpoint.name + ".tmp")
    try:
        with open(tmp, "wb") as handle:
            torch.save(obj, handle)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, checkpoint)


@contextmanager
def deterministic_algorithms(on: bool):
    """torch's deterministic algorithms (and cuBLAS's fixed workspace) for one stage, restored afterwards."""
    if not on:
        yield
        return
    before = (torch.are_deterministic_algorithms_enabled(), torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic,
              os.environ.get("CUBLAS_WORKSPACE_CONFIG"))
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


def _rng_state() -> dict:
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if state["cuda"] is not None:
        torch.cuda.set_rng_state_all(state["cuda"])


class _Run:
    """One stage's training state: set up (model, weighting, optimizer, schedule) and resumed from its checkpoint.

    Holds what the loop in `train_stage` reads and the small steps it calls (log a line, save a
    checkpoint, validate), so the loop itself reads top to bottom.
    """

    def __init__(self, job: StageJob, accelerator: Any) -> None:
        cfg = job.cfg
        self.job, self.accelerator = job, accelerator
        self.rank, self.world = accelerator.process_index, accelerator.num_processes
        # --- model, loss weighting, optimizer (learned weights: own group, fp32, no decay), schedule
        torch.manual_seed(job.seed), np.random.seed(job.seed), random.seed(job.seed)
        model = job.build_model()
        objective = Objective(model, job.build_weighting(tuple(model.task_names)))
        if cfg.compile and accelerator.device.type == "cuda":  # pays off on GPU with bucketed shapes; minutes of compiling on CPU
            model.compile()
        # A model may split its parameters into groups with relative learning rates (`param_groups()` ->
        # [(params, lr_scale), ...]; MCLAS: pretrained encoder x0.01 of the fresh decoder's rate).
        split = model.param_groups() if hasattr(model, "param_groups") else [(list(model.parameters()), 1.0)]
        groups = [{"params": [p for p in params if p.requires_grad], "weight_decay": cfg.weight_decay, "lr": cfg.lr * scale}
                  for params, scale in split]
        if list(objective.weighting.parameters()):
            groups.append({"params": list(objective.weighting.parameters()), "weight_decay": 0.0, "lr": cfg.weighting_lr or cfg.lr})
        optimizer = torch.optim.AdamW(groups, lr=cfg.lr, betas=cfg.adam_betas, eps=cfg.adam_eps, fused=accelerator.device.type == "cuda")
        # Token-budget batches vary in number from epoch to epoch: count each epoch's optimizer steps.
        epoch_steps = [math.ceil(len(length_batches(job.train, cfg, seed=job.seed, epoch=e)) // self.world / cfg.grad_accum)
                       for e in range(cfg.epochs)]
        epoch_ends = np.cumsum(epoch_steps).tolist()
        self.total_steps = min(cfg.max_steps or 10**12, epoch_ends[-1])
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(cfg, epoch_ends, self.total_steps))
        self.objective, self.optimizer = accelerator.prepare(objective, optimizer)
        self.val = job.val.subset(fixed_subset(len(job.val), cfg.val_subset))
        self.log_path, self.checkpoint = job.work_dir / "train_log.jsonl", job.work_dir / CHECKPOINT
        self.state = {"epoch": 0, "batch": 0, "step": 0, "best": {"rouge2": -1.0, "epoch": -1, "val": {}, "dir": None},
                      "log_lines": 0, "train_seconds": 0.0, "samples": 0, "sums": {}, "counts": 0}
        self._resume()

    def _resume(self) -> None:
        """Model, weighting, optimizer, schedule, loop position and RNG from the checkpoint; the log cut to match."""
        self.resumed = self.checkpoint.exists()
        if self.checkpoint.exists():
            saved = torch.load(self.checkpoint, map_location="cpu", weights_only=False)
            if saved.get("config") != to_dict(self.job.cfg):
                raise ClsDataError(f"{self.checkpoint} was written with other training settings; "
                                   f"delete {self.job.work_dir} to start this stage afresh")
            self.accelerator.unwrap_model(self.objective).load_state_dict(saved["objective"])
            self.optimizer.load_state_dict(saved["optimizer"])
            self.scheduler.load_state_dict(saved["scheduler"])
            self.state = saved["state"]
            _set_rng_state(saved["rng"])
            if "dir" not in self.state["best"]:  # a checkpoint from before `best` was a link: its best is the folder itself
                legacy, work = self.job.work_dir / BEST, self.job.work_dir
                if legacy.is_dir() and not legacy.is_symlink():
                    os.replace(legacy, work / f"{BEST}.legacy")
                self.state["best"]["dir"] = f"{BEST}.legacy" if (work / f"{BEST}.legacy").is_dir() else None
        if self.rank == 0:
            keep_only_best(self.job.work_dir, self.state["best"]["dir"])
        lines = (self.log_path.read_text(encoding="utf-8").splitlines(keepends=True)[: self.state["log_lines"]]
                 if self.log_path.exists() else [])
        if self.rank == 0:
            self.log_path.write_text("".join(lines), encoding="utf-8")

    def log(self, record: dict) -> None:
        if self.rank == 0:
            with self.log_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"stage": self.job.name, **record}, ensure_ascii=False) + "\n")
            if self.job.tracker is not None:
                self.job.tracker.log_record(self.job.name, record)
        self.state["log_lines"] += 1

    def weights(self) -> dict[str, float]:
        return self.accelerator.unwrap_model(self.objective).weighting.learned_values()

    def save_checkpoint(self) -> None:
        state = self.state
        state["sums"] = {k: float(v) for k, v in state["sums"].items()}  # float64 both ways: exact on resume
        if self.rank == 0:
            _save_checkpoint_file({"objective": self.accelerator.unwrap_model(self.objective).state_dict(),
                                   "optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
                                   "state": state, "rng": _rng_state(), "config": to_dict(self.job.cfg)}, self.checkpoint)
            keep_only_best(self.job.work_dir, state["best"]["dir"])  # the best the checkpoint names is now the only one
        self.accelerator.wait_for_everyone()

    def validate(self, epoch: int, record: dict, progress: Progress) -> None:
        """Validation ROUGE-2 (full split or a fixed subset) into `record`; the best weights kept."""
        job, state = self.job, self.state
        unwrapped = self.accelerator.unwrap_model(self.objective).model
        if self.rank == 0:
            scored = score_split(unwrapped, job.codec, self.val, job.decode, job.rouge_tokenizer, postprocess=job.postprocess,
                                 on_progress=lambda d, t: progress(f"validate {job.name}", d, t))
            record["val"], record["val_seconds"] = scored.rouge, scored.seconds
            if scored.rouge["rouge2"] > state["best"]["rouge2"]:
                state["best"] = {"rouge2": scored.rouge["rouge2"], "epoch": epoch, "val": scored.rouge,
                                 "dir": publish_best(unwrapped, job.codec, job.work_dir)}
        self.accelerator.wait_for_everyone()

    def finish(self) -> StageResult:
        """The result (best weights kept, `done.json` written) and the optimizer state dropped."""
        state = self.state
        best_dir = self.job.work_dir / (state["best"].get("dir") or BEST)  # the folder itself: a run folder takes it by rename
        result = StageResult(best_dir=best_dir, best_epoch=state["best"]["epoch"], best_val=state["best"]["val"],
                             steps=state["step"], train_seconds=round(state["train_seconds"], 3),
                             samples_per_s=round(state["samples"] / max(state["train_seconds"], 1e-9), 3))
        if self.rank == 0:
            write_done(self.job.work_dir, {**result.__dict__, "best_dir": str(result.best_dir)})
            self.checkpoint.unlink(missing_ok=True)
        self.accelerator.wait_for_everyone()
        return result


MICRO_BATCH = "micro_batch.json"  # the micro-batching a stage fell back to when its batch did not fit in memory


class _OutOfMemoryInFirstEpoch(Exception):
    """GPU memory ran out before the first epoch ended: the stage restarts with smaller micro-batches."""


def _fitted(job: StageJob) -> StageJob:
    """The job with the micro-batching recorded by an earlier fallback (the same effective batch)."""
    recorded = job.work_dir / MICRO_BATCH
    if not recorded.exists():
        return job
    micro = json.loads(recorded.read_text(encoding="utf-8"))
    if micro["batch_size"] * micro["grad_accum"] != job.cfg.batch_size * job.cfg.grad_accum:
        return job  # recorded for other settings; the checkpoint check will say so
    return dataclasses.replace(job, cfg=dataclasses.replace(job.cfg, batch_size=micro["batch_size"], grad_accum=micro["grad_accum"]))


def train_stage(job: StageJob, on_progress: Progress | None = None) -> StageResult:
    """Train one stage to its configured end (resuming from `work_dir/checkpoint.pt` if present).

    When a batch does not fit in GPU memory during the first epoch, the stage starts again with half the
    pairs per micro-batch and twice the accumulation (the same effective batch, as the paper's code did
    to fit its GPU); the choice is kept in `micro_batch.json`, so a resumed stage uses it too.
    """
    planned = job.cfg
    with deterministic_algorithms(job.cfg.deterministic):
        while True:
            job = _fitted(job)
            try:
                result = _train_stage(job, on_progress)
                break
            except _OutOfMemoryInFirstEpoch as oom:
                cfg = job.cfg
                if cfg.token_budget is not None or cfg.batch_size == 1:
                    raise oom.__cause__ from None
                if cfg.batch_size % 2:
                    raise oom.__cause__ from None  # halving would change the effective batch
                _restart(job.work_dir)
                write_json_atomic(job.work_dir / MICRO_BATCH, {"batch_size": cfg.batch_size // 2, "grad_accum": cfg.grad_accum * 2})
    if (job.cfg.batch_size, job.cfg.grad_accum) != (planned.batch_size, planned.grad_accum):
        note = (f"stage {job.name}: {planned.batch_size} pairs per micro-batch did not fit in GPU memory; trained "
                f"{job.cfg.batch_size} x {job.cfg.grad_accum} micro-batches (the same effective batch)")
        result.notes = [*result.notes, note] if note not in result.notes else result.notes
    return result


def _restart(work: Path) -> None:
    """Forget a stage's progress (its first epoch, cut short): checkpoint, log, best weights."""
    import gc

    for name in (CHECKPOINT, "train_log.jsonl", BEST):
        (work / name).unlink(missing_ok=True)
    keep_only_best(work, None)
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _train_stage(job: StageJob, on_progress: Progress | None) -> StageResult:
    cfg = job.cfg
    job.work_dir.mkdir(parents=True, exist_ok=True)
    done = read_done(job.work_dir)
    if done is not None:  # finished earlier: nothing to redo
        return StageResult(**{**done, "best_dir": Path(done["best_dir"])})
    progress = on_progress or (lambda phase, done, total: None)
    accelerator = make_accelerator(cfg)
    if accelerator.device.type == "cuda":
        # cuDNN attention builds a plan per new shape (seconds each; REFERENCE.md); the bucketed
        # shapes still make dozens of them, and flash/memory-efficient SDPA need none.
        torch.backends.cuda.enable_cudnn_sdp(False)
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
        batches = batches[: len(batches) // world * world][run.rank::world]  # the same count on every rank
        for index in range(state["batch"], len(batches)):
            group_start = index - index % cfg.grad_accum
            group_size = min(cfg.grad_accum, len(batches) - group_start)
            sync = index == group_start + group_size - 1
            batch = {k: v.to(accelerator.device, non_blocking=True) for k, v in collate(job.train, batches[index], cfg, job.codec.pad_id).items()}
            with nullcontext() if sync else accelerator.no_sync(objective):
                try:
                    total, losses = objective(batch)
                    accelerator.backward(total / group_size)
                except torch.OutOfMemoryError as exc:
                    if epoch == 0 and not run.resumed:  # before any checkpoint of this stage: start again, smaller
                        raise _OutOfMemoryInFirstEpoch from exc
                    raise
            for name, value in {**losses, "total": total}.items():  # on device: no sync per micro-batch
                state["sums"][name] = state["sums"].get(name, 0.0) + value.detach().double()
            group_loss += total.detach().double()
            state["counts"] += 1
            state["samples"] += len(batches[index]) * world
            if not sync:
                continue
            clipped = accelerator.unwrap_model(objective) if cfg.clip_weighting else accelerator.unwrap_model(objective).model
            norm = accelerator.clip_grad_norm_(clipped.parameters(), cfg.clip_norm or float("inf"))
            # One host sync per optimizer step. The norm is the same on every rank (DDP averaged the gradients), so all
            # ranks stop together; a NaN loss gives NaN gradients, hence a NaN norm.
            if not bool(torch.isfinite(group_loss + torch.as_tensor(norm, device=group_loss.device, dtype=torch.float64))):
                raise NonFiniteLoss(job.name, state["step"] + 1, epoch, scheduler.get_last_lr()[0], float(group_loss), float(norm))
            group_loss.zero_()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            state["step"] += 1
            state["batch"] = index + 1
            if state["step"] % cfg.log_every == 0:
                run.log({"kind": "step", "epoch": epoch, "step": state["step"], "lr": scheduler.get_last_lr()[0],
                         "losses": {k: v.item() for k, v in losses.items()} | {"total": total.item()}, "weights": run.weights()})
            if cfg.checkpoint_every and state["step"] % cfg.checkpoint_every == 0:
                state["train_seconds"] += time.perf_counter() - started
                started = time.perf_counter()
                run.save_checkpoint()
            progress(f"train {job.name}", state["step"], run.total_steps)
            if state["step"] >= run.total_steps:
                break
        state["train_seconds"] += time.perf_counter() - started
        record = {"kind": "epoch", "epoch": epoch, "step": state["step"], "lr": scheduler.get_last_lr()[0],
                  "losses": {k: float(v) / max(state["counts"], 1) for k, v in state["sums"].items()}, "weights": run.weights()}
        if (epoch + 1) % cfg.val_every == 0 or state["step"] >= run.total_steps or epoch == cfg.epochs - 1:
            run.validate(epoch, record, progress)
        record["seconds"] = round(time.perf_counter() - started, 3)
        run.log(record)
        state.update(epoch=epoch + 1, batch=0, sums={}, counts=0)
        run.save_checkpoint()
    return run.finish()
