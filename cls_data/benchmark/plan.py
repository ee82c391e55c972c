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
Decoding rates are divided by variant.relative_decode_cost (LLMs: 1.5); a prompted LLM trains
nothing: it decodes the validation split once (the report chooses on it) and the test split, and
behind a server (--llm-url: the family's `server_option`) it is decoding only, at the family's `server_rate`.
Every family fact (parameters, frozen bytes, second decoder, server) is its `registry.Family`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from cls_data.benchmark.config import StageSpec, TrainConfig, VariantSpec
from cls_data.benchmark.context import RunContext, RunSpec
from cls_data.benchmark.presets import Preset
from cls_data.benchmark.registry import FAMILIES, get_variant
from cls_data.dataset_folder import read_build_info, read_stats
from cls_data.run_folder import shared_rel_dir

# The rates (samples/s on one H100 at Vi2ZhLow lengths) are the preset's own (`presets.py`); parameter counts,
# frozen bytes and server rates the family's (`registry.Family`, in its module).
SECOND_DECODER = 1.4
SUMMARY_SOURCE = 0.2
DEFAULT_SPLITS = {"validation": 3000, "test": 3000}
# The tiny dataset-trained backbones of the smoke preset hold well under 1M parameters.
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
    family = FAMILIES[spec.family]  # an unregistered family is one line naming the registered ones
    params = TINY_PARAMS if preset.tiny_backbones else family.params
    return 4 * params * (4 / 3 if stage.mono_target and family.second_decoder else 1.0)


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


def decode_rate(spec: VariantSpec, ctx: RunContext) -> float:
    """Documents/s this variant decodes at (a variant that trains nothing behind its family's server: the server's)."""
    family = FAMILIES[spec.family]
    if not spec.stages and family.server_option and family.server_rate and ctx.option(family.server_option):
        return family.server_rate
    return ctx.preset.decode_rate / spec.relative_decode_cost


def stage_hours(spec: VariantSpec, stage: StageSpec, ctx: RunContext, train_size: int, val_pairs: int) -> float:
    cfg, preset = ctx.train_config(spec, stage), ctx.preset
    pairs = min(train_size, cfg.max_train_samples or train_size)
    epochs = cfg.epochs
    if cfg.max_steps:
        batch = cfg.batch_size * cfg.grad_accum if cfg.token_budget is None else 64 * cfg.grad_accum
        epochs = min(epochs, cfg.max_steps * batch / max(pairs, 1))
    validations = math.ceil(epochs / cfg.val_every)
    val = min(val_pairs, cfg.val_subset or val_pairs)
    seconds = pairs * epochs * stage_factor(spec, stage) / preset.train_rate + validations * val / decode_rate(
        spec, ctx
    )
    return seconds / 3600


def plan(runs: list[RunSpec], ctx: RunContext) -> list[PlannedRun]:
    """Every run (and each shared stage-1 run once) with its estimated H100-hours, under `ctx`'s preset and switches
    (the stages' TrainConfigs a run of `ctx` trains: `RunContext.train_config`)."""
    preset, out, eval_on = ctx.preset, ctx.out, len(ctx.eval_on)
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
                    planned.append(
                        PlannedRun(
                            rel,
                            "done" if exists else "shared",
                            0.0 if exists else stage_hours(spec, stage, ctx, run.train_size, sizes["validation"]),
                            size,
                            WORK_FACTOR * size,
                        )
                    )
                continue
            hours += stage_hours(spec, stage, ctx, run.train_size, sizes["validation"])
        test = min(sizes["test"], preset.max_test_samples or sizes["test"])
        if not spec.stages and spec.inference is not None:  # nothing trained: the validation split is decoded once
            test += min(sizes["validation"], ctx.train_config(spec, spec.inference).val_subset or sizes["validation"])
        hours += test * (1 + eval_on) / decode_rate(spec, ctx) / 3600
        own = [stage for stage in spec.stages if not stage.shared]
        size = 0.0 if done or not spec.stages else weights_bytes(spec, spec.stages[-1], preset)
        work = (
            0.0
            if done or not own
            else (
                WORK_FACTOR * max(weights_bytes(spec, stage, preset) for stage in own)
                + (0.0 if preset.tiny_backbones else FAMILIES[spec.family].frozen_bytes)
            )
        )
        planned.append(PlannedRun(str(run.rel_dir), "done" if done else "todo", 0.0 if done else hours, size, work))
    return planned


# --- per stage: epochs, optimizer steps, pairs per step (the paper's recipe: effective batch 16, 10 epochs)
PAPER_BATCH, PAPER_EPOCHS = 16, 10
# Source lengths when a dataset folder has no stats.json: Vi2ZhLow's Table 1 (words; Chinese: characters).
DEFAULT_LENGTHS = {"text": 715.0, "summary": 48.0, "cls_summary": 53.0}
TOKENS_PER_WORD = 1.3  # mBART SentencePiece pieces per Vietnamese/English word or Chinese character, roughly


@dataclass
class StageSchedule:
    """What one stage of one run does: the numbers `--plan` prints per stage."""

    label: str  # "tflcls: joint", "stage1-translation"
    micro: str  # how a step is made: "4 x 4 pairs, fp32, shuffled batches" (the run's TrainConfig)
    train_size: int
    pairs: int  # training pairs it sees per epoch
    epochs: float
    steps: int  # optimizer steps
    pairs_per_step: float
    lr: float
    paper_steps: int | None  # the paper's recipe on the same pairs (mBART family), else None


def source_tokens(dataset: str, column: str, max_len: int) -> float:
    """The mean source length of a column in tokens, from the folder's stats.json (Table-1 lengths) or Vi2ZhLow's."""
    stats = (read_stats(Path(dataset)) if Path(dataset).is_dir() else None) or {}
    measured = stats.get("train", {}).get(column, {})
    words = (
        measured.get("avg_words") or measured.get("avg_chars") or DEFAULT_LENGTHS.get(column, DEFAULT_LENGTHS["text"])
    )
    return min(max_len, words * TOKENS_PER_WORD + 2)


def stage_schedule(
    spec: VariantSpec, stage: StageSpec, ctx: RunContext, train_size: int, dataset: str
) -> StageSchedule:
    """Epochs, optimizer steps and pairs per optimizer step of one stage (token-budget batches: estimated from
    lengths)."""
    cfg = ctx.train_config(spec, stage)
    pairs = min(train_size, cfg.max_train_samples or train_size)
    if cfg.token_budget is None:
        per_batch = float(cfg.batch_size)
    else:  # batches padded to their longest source, rounded up to the bucket multiple
        width = math.ceil(source_tokens(dataset, stage.source, cfg.src_max_len) / cfg.src_multiple) * cfg.src_multiple
        per_batch = float(max(1, cfg.token_budget // width))
    per_epoch = max(1, math.ceil(math.ceil(pairs / per_batch) / cfg.grad_accum))
    steps = min(cfg.max_steps or 10**12, per_epoch * cfg.epochs)
    label = stage.shared or f"{spec.name}: {stage.name}"
    paper = math.ceil(pairs / PAPER_BATCH) * PAPER_EPOCHS if FAMILIES[spec.family].paper_recipe else None
    return StageSchedule(
        label,
        micro_batches(cfg),
        train_size,
        pairs,
        round(steps / per_epoch, 2),
        steps,
        min(pairs, per_batch * cfg.grad_accum),
        cfg.lr,
        paper,
    )


def micro_batches(cfg: TrainConfig) -> str:
    """How one optimizer step is made, as `--plan` prints it: "16 x 1 pairs, auto precision, length-grouped batches"."""
    batch = (
        f"{cfg.batch_size} x {cfg.grad_accum} pairs"
        if cfg.token_budget is None
        else f"{cfg.token_budget:,}-token batches x {cfg.grad_accum}"
    )
    order = "shuffled batches" if cfg.batching == "shuffle" else "length-grouped batches"
    return f"{batch}, {cfg.precision} precision, {order}" + (", deterministic" if cfg.deterministic else "")


def schedules(runs: list[RunSpec], ctx: RunContext) -> list[StageSchedule]:
    """One line per distinct stage and train size of the grid (on the first dataset's lengths), in grid order."""
    seen, lines, order = set(), [], {}
    first = runs[0].dataset if runs else ""
    for run in runs:
        if run.dataset != first:
            continue
        spec = get_variant(run.variant)
        for stage in spec.stages:
            line = stage_schedule(spec, stage, ctx, run.train_size, run.dataset)
            order.setdefault(line.label, len(order))
            if (line.label, line.train_size) not in seen:
                seen.add((line.label, line.train_size))
                lines.append(line)
    return sorted(lines, key=lambda line: (order[line.label], line.train_size))


def supplied_runs(runs: list[RunSpec], ctx: RunContext) -> tuple[list[RunSpec], list[str]]:
    """The runs whose train size the dataset can supply, and one note per (dataset, size) dropped.

    A size is supplied by a `train_<size>` split or by the first N pairs of `train`; a preset that caps training pairs
    (smoke) takes a small dataset's whole train split. A folder without build_info.json (or a Hub id) is not checked.
    """
    kept, notes = [], {}
    for run in runs:
        cap = ctx.training_cap(get_variant(run.variant))
        splits = ((read_build_info(Path(run.dataset)) or {}) if Path(run.dataset).is_dir() else {}).get("splits") or {}
        rows = splits.get("train")
        ok = (
            not splits
            or f"train_{run.train_size}" in splits
            or rows is None
            or run.train_size <= rows
            or (cap is not None and cap <= rows)
        )
        if ok:
            kept.append(run)
        else:
            sizes = sorted({int(name.split("_", 1)[1]) for name in splits if name.startswith("train_")} | {rows})
            notes[(run.dataset, run.train_size)] = (
                f"{run.dataset_name}: train size {run.train_size} dropped: the dataset has "
                f"{rows} training pairs (train splits {', '.join(map(str, sizes))}); "
                f"the grid itself stops on it: pass --train-sizes {','.join(map(str, sizes))}"
            )
    return kept, list(notes.values())


FORMULA = __doc__.split("\n\n", 1)[1].strip()
