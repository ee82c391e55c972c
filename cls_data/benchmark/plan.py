"""`--plan`: the runs of a grid and what they cost in H100-hours, before anything is spent (no torch).

Cost of one stage = train_pairs x epochs x stage_factor / preset.train_rate
                  + validation pairs x validations / preset.decode_rate;
cost of one run   = its own stages + test pairs x (1 + eval-on datasets) / preset.decode_rate;
a shared stage-1 run is counted once per dataset, train size and seed; finished runs cost nothing.
stage_factor = variant.relative_cost (model size vs mBART-large) x 1.4 for a second (monolingual)
decoder x 0.2 when the encoder reads the summary instead of the document (~50 vs ~700 tokens).
Disk = fp32 best weights kept in every run folder still to do (4 bytes x the backbone's parameters,
x 4/3 with a second decoder) + the working space of the largest run (resume checkpoint with Adam's
two moments, its temporary copy, two best folders: 8 x its weights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from cls_data.benchmark.config import StageSpec, VariantSpec
from cls_data.benchmark.presets import Preset
from cls_data.benchmark.registry import get_variant
from cls_data.benchmark.runs import RunSpec
from cls_data.dataset_folder import read_build_info
from cls_data.run_folder import shared_rel_dir

# The rates (samples/s on one H100 at Vi2ZhLow lengths) are the preset's own (`presets.py`).
SECOND_DECODER = 1.4
SUMMARY_SOURCE = 0.2
DEFAULT_SPLITS = {"validation": 3000, "test": 3000}
# Parameters of each family's default backbone, for the disk estimate: mBART-large-cc25 611M (REFERENCE.md); the
# from-scratch NCLS Transformer ~50M (6+6 layers, d 512, 12k joint vocabulary); mBERT (178M) + a 6-layer decoder ~320M.
# The tiny dataset-trained backbones of the smoke preset hold well under 1M.
BACKBONE_PARAMS = {"mbart": 611e6, "ncls": 50e6, "mbert": 320e6}
TINY_PARAMS = 1e6
WORK_FACTOR = 8  # checkpoint (weights + 2 Adam moments) + its temporary copy + the kept and the new best folder


@dataclass
class PlannedRun:
    run_dir: str
    status: str  # "todo" | "done" | "shared" (a stage-1 run, counted once)
    hours: float
    disk: float = 0.0  # bytes its run folder will keep (0 when done)
    work_disk: float = 0.0  # bytes its work folder needs at most while it trains


def weights_bytes(spec: VariantSpec, stage: StageSpec, preset: Preset) -> float:
    """fp32 bytes of one stage's saved weights (what a run folder keeps, and the unit of its working space)."""
    params = TINY_PARAMS if preset.tiny_backbones else BACKBONE_PARAMS.get(spec.family, BACKBONE_PARAMS["mbart"])
    return 4 * params * (4 / 3 if stage.mono_target and spec.family in ("mbart", "ncls") else 1.0)


def disk_needed(planned: list[PlannedRun]) -> tuple[float, float]:
    """(bytes kept by the run folders still to make, bytes of working space while the largest of them trains)."""
    todo = [item for item in planned if item.status != "done"]
    return sum(item.disk for item in todo), max((item.work_disk for item in todo), default=0.0)


def human_bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n / 1e3:.0f} kB"


def split_sizes(dataset: str) -> dict[str, int]:
    info = read_build_info(Path(dataset)) if Path(dataset).is_dir() else None
    return {**DEFAULT_SPLITS, **(info or {}).get("splits", {})}


def stage_factor(spec: VariantSpec, stage: StageSpec) -> float:
    factor = spec.relative_cost * (SECOND_DECODER if stage.mono_target else 1.0)
    return factor * (SUMMARY_SOURCE if stage.source == "summary" else 1.0)


def stage_hours(spec: VariantSpec, stage: StageSpec, preset: Preset, train_size: int, val_pairs: int) -> float:
    cfg = preset.train_config(stage, spec.family)
    pairs = min(train_size, cfg.max_train_samples or train_size)
    epochs = cfg.epochs
    if cfg.max_steps:
        batch = cfg.batch_size * cfg.grad_accum if cfg.token_budget is None else 64 * cfg.grad_accum
        epochs = min(epochs, cfg.max_steps * batch / max(pairs, 1))
    validations = math.ceil(epochs / cfg.val_every)
    val = min(val_pairs, cfg.val_subset or val_pairs)
    seconds = pairs * epochs * stage_factor(spec, stage) / preset.train_rate + validations * val / preset.decode_rate
    return seconds / 3600


def plan(runs: list[RunSpec], preset: Preset, out: Path, eval_on: int = 0) -> list[PlannedRun]:
    """Every run (and each shared stage-1 run once) with its estimated H100-hours."""
    planned, shared_seen = [], set()
    for run in runs:
        spec = get_variant(run.variant)
        sizes = split_sizes(run.dataset)
        done = (out / run.rel_dir).exists()
        hours = 0.0
        for stage in spec.stages:
            if stage.shared:
                rel = shared_rel_dir(run.dataset_name, stage.shared, run.train_size, run.seed).as_posix()
                if rel not in shared_seen:
                    shared_seen.add(rel)
                    exists = (out / rel).exists()
                    size = 0.0 if exists else weights_bytes(spec, stage, preset)
                    planned.append(PlannedRun(rel, "done" if exists else "shared",
                                              0.0 if exists else stage_hours(spec, stage, preset, run.train_size, sizes["validation"]),
                                              size, WORK_FACTOR * size))
                continue
            hours += stage_hours(spec, stage, preset, run.train_size, sizes["validation"])
        test = min(sizes["test"], preset.max_test_samples or sizes["test"])
        hours += test * (1 + eval_on) / preset.decode_rate / 3600
        size = 0.0 if done else weights_bytes(spec, spec.stages[-1], preset)
        work = 0.0 if done else WORK_FACTOR * max(weights_bytes(spec, stage, preset) for stage in spec.stages if not stage.shared)
        planned.append(PlannedRun(str(run.rel_dir), "done" if done else "todo", 0.0 if done else hours, size, work))
    return planned


FORMULA = __doc__.split("\n\n", 1)[1].strip()
