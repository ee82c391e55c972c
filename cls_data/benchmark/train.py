"""The training loop: one stage of one run, read top to bottom (accelerate: CPU, one GPU, DDP).

bf16 autocast with fp32 master weights on CUDA, fused AdamW there, gradient accumulation and
clipping, the learned loss weights in their own optimizer group, validation ROUGE-2 with the
best weights kept, a resume checkpoint (model, loss weights, optimizer, scheduler, position in
the epoch's batch order, RNG) so a killed run ends exactly as an uninterrupted one would.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import random
import shutil
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from cls_data.benchmark.config import DecodeConfig, TrainConfig, to_dict
from cls_data.benchmark.data import Encoded, collate, fixed_subset, length_batches
from cls_data.benchmark.scoring import score_split
from cls_data.errors import ClsDataError

Progress = Callable[[str, int, int], None]  # (phase, done, total)
CHECKPOINT = "checkpoint.pt"


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
    """Best weights as a loadable folder (safetensors + config + tokenizer), written atomically."""
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
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)


def _rng_state() -> dict:
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if state["cuda"] is not None:
        torch.cuda.set_rng_state_all(state["cuda"])


def train_stage(job: StageJob, on_progress: Progress | None = None) -> StageResult:
    """Train one stage to its configured end (resuming from `work_dir/checkpoint.pt` if present)."""
    cfg, work = job.cfg, job.work_dir
    work.mkdir(parents=True, exist_ok=True)
    done_file = work / "done.json"
    if done_file.exists():  # finished earlier: nothing to redo
        done = json.loads(done_file.read_text(encoding="utf-8"))
        return StageResult(**{**done, "best_dir": Path(done["best_dir"])})
    progress = on_progress or (lambda phase, done, total: None)
    accelerator = make_accelerator(cfg)
    rank, world = accelerator.process_index, accelerator.num_processes
    if accelerator.device.type == "cuda":
        # cuDNN attention builds a plan per new shape (seconds each; REFERENCE.md); the bucketed
        # shapes still make dozens of them, and flash/memory-efficient SDPA need none.
        torch.backends.cuda.enable_cudnn_sdp(False)

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
    epoch_steps = [math.ceil(len(length_batches(job.train, cfg, seed=job.seed, epoch=e)) // world / cfg.grad_accum)
                   for e in range(cfg.epochs)]
    epoch_ends = np.cumsum(epoch_steps).tolist()
    total_steps = min(cfg.max_steps or 10**12, epoch_ends[-1])
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(cfg, epoch_ends, total_steps))
    objective, optimizer = accelerator.prepare(objective, optimizer)
    val = job.val.subset(fixed_subset(len(job.val), cfg.val_subset))

    # --- resume state
    state = {"epoch": 0, "batch": 0, "step": 0, "best": {"rouge2": -1.0, "epoch": -1, "val": {}},
             "log_lines": 0, "train_seconds": 0.0, "samples": 0, "sums": {}, "counts": 0}
    log_path = work / "train_log.jsonl"
    checkpoint = work / CHECKPOINT
    if checkpoint.exists():
        saved = torch.load(checkpoint, map_location="cpu", weights_only=False)
        if saved.get("config") != to_dict(cfg):
            raise ClsDataError(f"{checkpoint} was written with other training settings; delete {work} to start this stage afresh")
        accelerator.unwrap_model(objective).load_state_dict(saved["objective"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        state = saved["state"]
        _set_rng_state(saved["rng"])
    lines = log_path.read_text(encoding="utf-8").splitlines(keepends=True)[: state["log_lines"]] if log_path.exists() else []
    if rank == 0:
        log_path.write_text("".join(lines), encoding="utf-8")

    def log(record: dict) -> None:
        if rank == 0:
            with log_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"stage": job.name, **record}, ensure_ascii=False) + "\n")
        state["log_lines"] += 1

    def weights() -> dict[str, float]:
        return accelerator.unwrap_model(objective).weighting.learned_values()

    def save_checkpoint() -> None:
        state["sums"] = {k: float(v) for k, v in state["sums"].items()}  # float64 both ways: exact on resume
        if rank == 0:
            tmp = checkpoint.with_name(CHECKPOINT + ".tmp")
            torch.save({"objective": accelerator.unwrap_model(objective).state_dict(), "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(), "state": state, "rng": _rng_state(), "config": to_dict(cfg)}, tmp)
            os.replace(tmp, checkpoint)
        accelerator.wait_for_everyone()

    # --- the loop
    objective.train()
    for epoch in range(state["epoch"], cfg.epochs):
        if state["step"] >= total_steps:
            break
        started = time.perf_counter()
        batches = length_batches(job.train, cfg, seed=job.seed, epoch=epoch)
        batches = batches[: len(batches) // world * world][rank::world]  # the same count on every rank
        for index in range(state["batch"], len(batches)):
            group_start = index - index % cfg.grad_accum
            group_size = min(cfg.grad_accum, len(batches) - group_start)
            sync = index == group_start + group_size - 1
            batch = {k: v.to(accelerator.device, non_blocking=True) for k, v in collate(job.train, batches[index], cfg, job.codec.pad_id).items()}
            with nullcontext() if sync else accelerator.no_sync(objective):
                total, losses = objective(batch)
                accelerator.backward(total / group_size)
            for name, value in {**losses, "total": total}.items():  # on device: no sync per micro-batch
                state["sums"][name] = state["sums"].get(name, 0.0) + value.detach().double()
            state["counts"] += 1
            state["samples"] += len(batches[index]) * world
            if not sync:
                continue
            accelerator.clip_grad_norm_(accelerator.unwrap_model(objective).model.parameters(), cfg.clip_norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            state["step"] += 1
            state["batch"] = index + 1
            if state["step"] % cfg.log_every == 0:
                log({"kind": "step", "epoch": epoch, "step": state["step"], "lr": scheduler.get_last_lr()[0],
                     "losses": {k: v.item() for k, v in losses.items()} | {"total": total.item()}, "weights": weights()})
            if cfg.checkpoint_every and state["step"] % cfg.checkpoint_every == 0:
                state["train_seconds"] += time.perf_counter() - started
                started = time.perf_counter()
                save_checkpoint()
            progress(f"train {job.name}", state["step"], total_steps)
            if state["step"] >= total_steps:
                break
        state["train_seconds"] += time.perf_counter() - started

        # --- validation ROUGE-2 (full split or a fixed subset), best weights kept
        last = state["step"] >= total_steps or epoch == cfg.epochs - 1
        record = {"kind": "epoch", "epoch": epoch, "step": state["step"], "lr": scheduler.get_last_lr()[0],
                  "losses": {k: float(v) / max(state["counts"], 1) for k, v in state["sums"].items()}, "weights": weights()}
        if (epoch + 1) % cfg.val_every == 0 or last:
            unwrapped = accelerator.unwrap_model(objective).model
            scored = score_split(unwrapped, job.codec, val, job.decode, job.rouge_tokenizer, postprocess=job.postprocess,
                                 on_progress=lambda d, t: progress(f"validate {job.name}", d, t)) if rank == 0 else None
            if rank == 0:
                record["val"] = scored.rouge
                record["val_seconds"] = scored.seconds
                if scored.rouge["rouge2"] > state["best"]["rouge2"]:
                    state["best"] = {"rouge2": scored.rouge["rouge2"], "epoch": epoch, "val": scored.rouge}
                    save_weights(unwrapped, job.codec, work / "best")
            accelerator.wait_for_everyone()
        record["seconds"] = round(time.perf_counter() - started, 3)
        log(record)
        state.update(epoch=epoch + 1, batch=0, sums={}, counts=0)
        save_checkpoint()

    # --- finished: keep the best weights, drop the optimizer state
    result = StageResult(best_dir=work / "best", best_epoch=state["best"]["epoch"], best_val=state["best"]["val"],
                         steps=state["step"], train_seconds=round(state["train_seconds"], 3),
                         samples_per_s=round(state["samples"] / max(state["train_seconds"], 1e-9), 3))
    if rank == 0:
        done_file.write_text(json.dumps({**result.__dict__, "best_dir": str(result.best_dir)}, indent=2) + "\n", encoding="utf-8")
        checkpoint.unlink(missing_ok=True)
    accelerator.wait_for_everyone()
    return result
