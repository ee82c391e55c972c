"""Training a run's stages: each stage's job, a shared stage (stage 1) trained once under a lock, the own stages.

Every function reads the run's `run_plan.RunPlan`. Also what a finished run folder must match to be reused,
since a shared stage writes a run folder of its own.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cls_data.benchmark.claims import Claim, claim_path
from cls_data.benchmark.config import StageSpec
from cls_data.benchmark.context import RunContext
from cls_data.benchmark.data import ClsDataset
from cls_data.benchmark.identity import check_identity, run_identity
from cls_data.benchmark.registry import BuildContext, Variant, family_option
from cls_data.benchmark.run_plan import RunPlan, barrier, is_main_process
from cls_data.benchmark.tracking import NO_TRACKER, RunTracker
from cls_data.errors import ClsDataError
from cls_data.run_folder import concat_logs, read_config, shared_rel_dir, work_dir, write_config, write_metrics


def stage_weighting(stage: StageSpec, plan: RunPlan) -> Any:
    """`tasks -> LossWeighting` for a stage: the run's weighting (and r) where the stage is weighted, else a sum
    with the stage's fixed coefficients. --paper-code: the `sum` weighting is the code's base, (L1 + L2) / 2."""
    from cls_data.benchmark.losses import make_weighting

    if not stage.weighted:
        return lambda tasks: make_weighting("sum", tasks, coefficients=dict(stage.loss_coefficients) or None)
    run = plan.run
    name = run.weighting or plan.spec.default_weighting
    mean = plan.ctx.paper_code and name == "sum"  # it is not only a scale: it meets clipping at 1.0 differently
    return lambda tasks: make_weighting(
        name, tasks, r=run.r or 2.0, coefficients=dict.fromkeys(tasks, 1 / len(tasks)) if mean else None
    )


def check_reusable(run_dir: Path, ctx: RunContext, dataset: ClsDataset, shared: bool = False) -> None:
    """A finished run (or shared stage) is reused only if made with this preset on this version of the dataset (and,
    a run, with these --test-weights: a shared stage hands on its best weights either way)."""
    made = read_config(run_dir)
    if (made.get("preset"), made.get("dataset_fingerprint")) != (ctx.preset.name, dataset.fingerprint):
        raise ClsDataError(
            f"{run_dir} was made with preset {made.get('preset')!r} on dataset version "
            f"{made.get('dataset_fingerprint')}; this grid uses preset {ctx.preset.name!r} on {dataset.fingerprint}: "
            "choose another --out"
        )
    if bool(made.get("paper_code")) != ctx.paper_code:
        raise ClsDataError(
            f"{run_dir} was made {'with' if made.get('paper_code') else 'without'} --paper-code and "
            f"this grid {'uses' if ctx.paper_code else 'does not use'} it: choose another --out"
        )
    if not shared and made.get("test_weights", "best") != ctx.test_weights:
        raise ClsDataError(
            f"{run_dir} tested the {made.get('test_weights', 'best')} epoch's weights and this grid "
            f"the {ctx.test_weights} (--test-weights): choose another --out"
        )
    for name, value in (made.get("options") or made.get("prompt") or {}).items():  # "prompt": folders made before
        option = family_option(name)
        if option.reuse and ctx.option(name) != value:
            flag = "--" + name.replace("_", "-")
            raise ClsDataError(
                f"{run_dir} was made with {flag} {value}; this grid uses {flag} {ctx.option(name)}: "
                "choose another --out"
            )


def _stage_job(plan: RunPlan, stage: StageSpec, init: Path | None, work: Path) -> tuple[Any, BuildContext, list[str]]:
    """The trainer's job for one stage (its encoded splits, model builder, weighting), its BuildContext, notes."""
    from cls_data.benchmark.data import encode_split
    from cls_data.benchmark.train import StageJob
    from cls_data.text import tokenizer_for_language

    run, ctx, dataset, codec, cfg = plan.run, plan.ctx, plan.dataset, plan.codec, plan.config(stage)
    columns = {
        "source": stage.source,
        "target": stage.target,
        "mono_target": stage.mono_target,
        "src_max_len": cfg.src_max_len,
        "tgt_max_len": cfg.tgt_max_len,
        "cache_dir": ctx.cache / "tokens",
        "on_progress": ctx.on_progress,
        "lowercase_like_code": ctx.paper_code,
        # the code's two-target loader is TFLCLS's (the mBART family); the baselines' are not the paper's code
        "two_target": stage.mono_target is not None and plan.spec.family == "mbart",
    }
    train = encode_split(dataset, plan.train.split, codec, limit=plan.train.rows(cfg.max_train_samples), **columns)
    val = encode_split(dataset, "validation", codec, **columns)
    build_ctx = plan.build_context(stage, init)
    builder = plan.variant.builders[stage.name]
    lang = dataset.src_lang if stage.target == "summary" else dataset.tgt_lang
    job = StageJob(
        name=stage.name,
        build_model=lambda: builder(build_ctx),
        build_weighting=stage_weighting(stage, plan),
        train=train,
        val=val,
        codec=codec,
        cfg=cfg,
        decode=plan.decode,
        rouge_tokenizer=tokenizer_for_language(lang),
        seed=run.seed,
        work_dir=work,
        postprocess=plan.variant.postprocess_for(stage, lang),
    )
    return job, build_ctx, [plan.train.note] if plan.train.note else []


def _write_shared(plan: RunPlan, stage: StageSpec, result: Any, work: Path, notes: list[str], as_shared: dict) -> None:
    """The shared stage's run folder: best weights, config.json naming the shared run, metrics, train log."""
    final = work / "final"
    final.mkdir(exist_ok=True)
    if not (final / "model").exists():
        os.replace(result.best_dir, final / "model")
    write_config(final, {**plan.record([stage]), **as_shared})
    write_metrics(
        final,
        {
            "best_epoch": result.best_epoch,
            "best_val_rouge2": result.best_val.get("rouge2"),
            "val": result.best_val,
            "validation": {**result.best_val, "epoch": result.best_epoch},
            "train_seconds": result.train_seconds,
            "train_samples_per_s": result.samples_per_s,
            "notes": notes + result.notes,
        },
    )
    concat_logs([work / stage.name], final / "train_log.jsonl")


def shared_stage(plan: RunPlan, stage: StageSpec) -> Path:
    """The best weights of a shared stage (e.g. stage-1 translation), training it first if no run has yet."""
    from cls_data.benchmark.train import train_stage

    run, ctx = plan.run, plan.ctx
    run_dir = ctx.out / shared_rel_dir(run.dataset_name, stage.shared, run.train_size, run.seed)
    work = work_dir(run_dir)
    lock = Claim(claim_path(ctx.out, run_dir.relative_to(ctx.out)))  # one worker trains it; the others wait (claims.py)
    holder = not run_dir.exists() and is_main_process() and lock.wait_for(run_dir)  # the other ranks train along
    barrier()
    if run_dir.exists():
        check_reusable(run_dir, ctx, plan.dataset, shared=True)
        check_identity(run_dir, run_identity(ctx, plan.variant, plan.dataset, plan.backbone), ctx.cache)
        if not (run_dir / "model").is_dir():
            raise ClsDataError(
                f"{run_dir} has no best weights (model/), which stage {stage.name!r} of every run that "
                f"shares it starts from; delete that folder to train it again"
            )
        return run_dir / "model"
    tracker = RunTracker(ctx.log_with if holder else (), ctx.out, run_dir.relative_to(ctx.out))  # its own tracker run
    # its config.json names the shared run, not this one; it hands on its best weights whatever --test-weights says
    as_shared = {"variant": stage.shared, "weighting": None, "r": None, "test_weights": "best"}
    try:
        job, _, notes = _stage_job(plan, stage, None, work / stage.name)
        tracker.start({**plan.record([stage]), **as_shared})
        job.tracker = tracker
        progress = lambda phase, done, total: (holder and lock.check(), ctx.on_progress(phase, done, total))  # noqa: E731
        result = train_stage(job, progress)
        if not holder:
            barrier()
            return run_dir / "model"
        _write_shared(plan, stage, result, work, notes, as_shared)
        os.replace(work / "final", run_dir)
    finally:
        tracker.finish()
        if holder:
            lock.release()
    shutil.rmtree(work, ignore_errors=True)
    barrier()
    return run_dir / "model"


def start_weights(variant: Variant, stage: StageSpec, best: dict[str, Path]) -> Path | None:
    """The best weights a stage starts from (`init_from`), or None for a stage that starts from the backbone.

    A named stage without a result is an error: silently starting from the backbone instead would turn
    `tflcls` into `tflcls-no-tra` without a word.
    """
    if not stage.init_from:
        return None
    if stage.init_from not in best:
        raise ClsDataError(
            f"variant {variant.name!r}: stage {stage.name!r} starts from stage {stage.init_from!r}, "
            f"which has no result (stages before it: {', '.join(best) or 'none'})"
        )
    if not best[stage.init_from].is_dir():
        raise ClsDataError(
            f"variant {variant.name!r}: stage {stage.name!r} starts from {best[stage.init_from]}, "
            "which holds no weights"
        )
    return best[stage.init_from]


@dataclass
class TrainedStages:
    """What training a run's stages left: best weights per stage, the run's own stages and their results."""

    best: dict[str, Path] = field(default_factory=dict)
    own: list[StageSpec] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)  # train.StageResult, one per own stage
    notes: list[str] = field(default_factory=list)
    last_ctx: BuildContext | None = None  # the last stage's BuildContext, to reload its best weights
    # validation ROUGE of a variant that trains nothing (no best epoch to take it from)
    val: dict[str, float] | None = None


def train_stages(plan: RunPlan, work: Path, tracker: RunTracker = NO_TRACKER) -> TrainedStages:
    """Train every stage in order (a shared stage is trained once and reused), each from the one it names;
    the run's own stages log to `tracker`."""
    from cls_data.benchmark.train import train_stage

    trained = TrainedStages(notes=list(plan.notes))
    for stage in plan.variant.stages:
        init = start_weights(plan.variant, stage, trained.best)
        if stage.shared:
            trained.best[stage.name] = shared_stage(plan, stage)
            continue
        job, trained.last_ctx, notes = _stage_job(plan, stage, init, work / stage.name)
        job.tracker = tracker
        result = train_stage(job, plan.ctx.on_progress)
        trained.best[stage.name] = result.best_dir
        trained.notes += notes + result.notes
        trained.results.append(result)
        trained.own.append(stage)
    return trained
