"""A stage's progress on disk: best weights behind a `best` link, and the resume checkpoint.

The checkpoint holds the model, loss weights, optimizer, scheduler, the position in the epoch's batch
order, the RNG, and which folder holds the best weights with their score, so a killed run ends exactly
as an uninterrupted one would (on CUDA only with `deterministic`; see docs/paper-fidelity.md). `best`
is a link to a folder of its own: a new best is written beside the old one and the link is swapped by
one rename, so best weights are never absent; the old folder goes once a checkpoint names the new one.
"""

from __future__ import annotations

import gc
import os
import random
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from cls_data.benchmark.codec import TextCodec
from cls_data.benchmark.config import TrainConfig, to_dict
from cls_data.errors import ClsDataError

CHECKPOINT = "checkpoint.pt"
TRAIN_LOG = "train_log.jsonl"
BEST = "best"  # a link to the folder `best.<id>` named in the checkpoint


def save_weights(model: nn.Module, codec: TextCodec, folder: Path) -> None:
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


def publish_best(model: nn.Module, codec: TextCodec, work: Path) -> str:
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


def save_checkpoint(checkpoint: Path, cfg: TrainConfig, **parts: Any) -> None:
    """`parts` (state dicts and the loop's `state`) with the RNG and `cfg`, written atomically; then the best
    weights the checkpoint names are the only ones kept. Saved through a Python file, so a full disk is
    OSError ENOSPC, not a C++ 'unexpected pos'."""
    tmp = checkpoint.with_name(checkpoint.name + ".tmp")
    try:
        with open(tmp, "wb") as handle:
            torch.save({**parts, "rng": _rng_state(), "config": to_dict(cfg)}, handle)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, checkpoint)
    keep_only_best(checkpoint.parent, parts["state"]["best"]["dir"])


def fresh_state() -> dict:
    """The loop's state before its first step: position, best score and weights, log length, timings, loss sums."""
    return {
        "epoch": 0,
        "batch": 0,
        "step": 0,
        "best": {"rouge2": -1.0, "epoch": -1, "val": {}, "dir": None},
        "log_lines": 0,
        "train_seconds": 0.0,
        "samples": 0,
        "sums": {},
        "counts": 0,
    }


def resume(checkpoint: Path, cfg: TrainConfig, objective: nn.Module, optimizer: Any, scheduler: Any) -> dict | None:
    """The loop's state from the checkpoint, with the model, weighting, optimizer, schedule and RNG put back as
    they were when it was saved; None when there is none, one line when it was written with other settings."""
    if not checkpoint.exists():
        return None
    saved = torch.load(checkpoint, map_location="cpu", weights_only=False)
    if saved.get("config") != to_dict(cfg):
        raise ClsDataError(
            f"{checkpoint} was written with other training settings; "
            f"delete {checkpoint.parent} to start this stage afresh"
        )
    objective.load_state_dict(saved["objective"])
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    state, work = saved["state"], checkpoint.parent
    _set_rng_state(saved["rng"])
    if "dir" not in state["best"]:  # a checkpoint from before `best` was a link: its best is the folder itself
        legacy = work / BEST
        if legacy.is_dir() and not legacy.is_symlink():
            os.replace(legacy, work / f"{BEST}.legacy")
        state["best"]["dir"] = f"{BEST}.legacy" if (work / f"{BEST}.legacy").is_dir() else None
    return state


def cut_log(log: Path, lines: int) -> None:
    """Keep the train log's first `lines` lines: those written before the checkpoint the stage resumes from."""
    kept = log.read_text(encoding="utf-8").splitlines(keepends=True)[:lines] if log.exists() else []
    log.write_text("".join(kept), encoding="utf-8")


def forget_progress(work: Path) -> None:
    """Forget a stage's progress (its first epoch, cut short): checkpoint, log, best weights."""
    for name in (CHECKPOINT, TRAIN_LOG):
        (work / name).unlink(missing_ok=True)
    keep_only_best(work, None)  # the `best` link and every best folder
    gc.collect()  # the failed attempt's tensors, so the next one starts with the memory free
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _rng_state() -> dict:
    return {
        "torch": torch.get_rng_state(),
        "numpy": np.random.get_state(),
        "python": random.getstate(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
    }


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if state["cuda"] is not None:
        torch.cuda.set_rng_state_all(state["cuda"])
