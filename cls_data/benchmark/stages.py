"""Training a run's stages: each stage's job, a shared stage (stage 1) trained once under a lock, the own stages.

Also the two helpers of a DDP launch (rank 0 writes, every rank trains) and what a run folder's
config.json records, since a shared stage writes a run folder of its own.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cls_data.benchmark.config import StageSpec, to_dict
from cls_data.benchmark.context import RunContext, RunSpec
from cls_data.benchmark.identity import IDENTITY, check_identity, run_identity
from cls_data.benchmark.registry import BuildContext, Variant
from cls_data.benchmark.tracking import NO_TRACKER, RunTracker
from cls_data.errors import ClsDataError
from cls_data.run_folder import (Lock, concat_logs, read_config, shared_rel_dir, versions, work_dir, write_config,
                                 write_metrics)


def is_main_process() -> bool:
    """Rank 0 of a DDP launch (accelerate launch / torchrun), or the only process."""
    return int(os.environ.get("RANK", "0")) == 0


def barrier() -> None:
    """Wait for every process of a DDP launch; nothing to do in a single process."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        from accelerate import PartialState

        PartialState().wait_for_everyone()


def run_config(run: RunSpec, ctx: RunContext, variant: Variant, dataset: Any, backbone: str, stages: list[StageSpec]) -> dict:
    """config.json: every setting of the run, the dataset fingerprint, versions."""
    spec = variant.spec
    return {"variant": run.variant, "dataset": run.dataset_name, "dataset_path": run.dataset,
            "dataset_fingerprint": dataset.fingerprint, "src_lang": dataset.src_lang, "tgt_lang": dataset.tgt_lang,
            "weighting": run.weighting, "r": run.r, "train_size": run.train_size, "seed": run.seed,
            "preset": ctx.preset.name, "preset_faithful": recipe_faithful(ctx.preset, run.variant),
            "preset_validated": bool(ctx.preset.faithful),
            "max_test_samples": ctx.preset.max_test_samples,  # the report checks predictions.jsonl against it
            "deterministic": ctx.deterministic or ctx.paper_code, "paper_code": ctx.paper_code,
            "test_weights": ctx.test_weights,
            "model": {"backbone": backbone, "spec": to_dict(spec)},
            "train": {s.name: to_dict(stage_config(variant, s, ctx)) for s in stages}, "decode": to_dict(decode_config(variant, ctx)),
            # a prompted variant's prompt settings (the server's URL only, never its key)
            **({"prompt": {"shots": ctx.shots, "llm_url": ctx.llm_url}} if spec.setup else {}),
            IDENTITY: run_identity(ctx, variant, dataset, backbone),  # compared before reuse (identity.py)
            "versions": versions(), "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()}


def stage_weighting(stage: StageSpec, run: RunSpec, variant: Variant, ctx: RunContext) -> Any:
    """`tasks -> LossWeighting` for a stage: the run's weighting (and r) where the stage is weighted, else a sum
    with the stage's fixed coefficients. --paper-code: the `sum` weighting is the code's base, (L1 + L2) / 2."""
    from cls_data.benchmark.losses import make_weighting

    if not stage.weighted:
        return lambda tasks: make_weighting("sum", tasks, coefficients=dict(stage.loss_coefficients) or None)
    name = run.weighting or variant.spec.default_weighting
    mean = ctx.paper_code and name == "sum"  # it is not only a scale: it meets clipping at 1.0 differently
    return lambda tasks: make_weighting(name, tasks, r=run.r or 2.0,
                                        coefficients=dict.fromkeys(tasks, 1 / len(tasks)) if mean else None)


def recipe_faithful(preset: Any, variant: str) -> bool:
    """config.json's `preset_faithful`: a faithful preset, on a system whose recipe the paper gives (presets.py)."""
    from cls_data.benchmark.presets import PAPER_RECIPE_VARIANTS

    return bool(preset.faithful) and variant in PAPER_RECIPE_VARIANTS


def decode_config(variant: Variant, ctx: RunContext) -> Any:
    """The variant's decoding settings; --paper-code gives mBART the code's `max_length` room: 128 counted the
    decoder start and the repeated language code, so 126 tokens of summary (with </s>), not 128 new ones."""
    import dataclasses

    decode = variant.spec.decode_config(ctx.preset)
    if ctx.paper_code and variant.spec.family == "mbart":
        return dataclasses.replace(decode, max_new_tokens=max(1, decode.max_new_tokens - 2))
    return decode


def stage_config(variant: Variant, stage: StageSpec, ctx: RunContext) -> Any:
    """The stage's TrainConfig under the grid's preset, with the run-wide engine switches.

    --deterministic: deterministic algorithms. --paper-code: the numerics of the paper's code on top of the same
    optimisation: fp32, batches cut from the shuffled order, clipping over every parameter (the learned loss weights
    too), deterministic, no compile, and the paper's micro-batches where the preset names them for the same
    effective batch (4 x 4 and 2 x 8 for 16).
    """
    import dataclasses

    cfg = variant.train_config(stage, ctx.preset)
    changes: dict[str, Any] = {"deterministic": True} if ctx.deterministic else {}
    if ctx.test_weights != "best" and stage.name == variant.decoding_stage.name:
        changes["test_weights"] = ctx.test_weights
    if ctx.paper_code:
        changes.update(precision="fp32", batching="shuffle", clip_weighting=True, deterministic=True, compile=False)
        micro = dict(ctx.preset.code_micro_batches).get(stage.recipe)
        if micro and cfg.token_budget is None and micro[0] * micro[1] == cfg.batch_size * cfg.grad_accum:
            changes.update(batch_size=micro[0], grad_accum=micro[1])
    return dataclasses.replace(cfg, **changes) if changes else cfg


def check_reusable(run_dir: Path, ctx: RunContext, dataset: Any, shared: bool = False) -> None:
    """A finished run (or shared stage) is reused only if made with this preset on this version of the dataset (and,
    a run, with these --test-weights: a shared stage hands on its best weights either way)."""
    made = read_config(run_dir)
    if (made.get("preset"), made.get("dataset_fingerprint")) != (ctx.preset.name, dataset.fingerprint):
        raise ClsDataError(
            f"{run_dir} was made with preset {made.get('preset')!r} on dataset version {made.get('dataset_fingerprint')}; "
            f"this grid uses preset {ctx.preset.name!r} on {dataset.fingerprint}: choose another --out")
    if bool(made.get("paper_code")) != ctx.paper_code:
        raise ClsDataError(f"{run_dir} was made {'with' if made.get('paper_code') else 'without'} --paper-code and this grid "
                           f"{'uses' if ctx.paper_code else 'does not use'} it: choose another --out")
    if not shared and made.get("test_weights", "best") != ctx.test_weights:
        raise ClsDataError(f"{run_dir} tested the {made.get('test_weights', 'best')} epoch's weights and this grid the "
                           f"{ctx.test_weights} (--test-weights): choose another --out")
    if "prompt" in made and made["prompt"].get("shots") != ctx.shots:
        raise ClsDataError(f"{run_dir} was made with --shots {made['prompt'].get('shots')}; this grid uses --shots {ctx.shots}: "
                           "choose another --out")


def stage_context(stage: StageSpec, run: RunSpec, ctx: RunContext, variant: Variant, dataset: Any, codec: Any,
                  backbone: str, init: Path | None) -> BuildContext:
    """What `stage`'s builder receives (`extra`: the run's --llm-url for a model behind a server)."""
    return BuildContext(backbone=backbone, codec=codec, src_lang=dataset.src_lang, tgt_lang=dataset.tgt_lang, stage=stage,
                        train=stage_config(variant, stage, ctx), init=init, weighting=run.weighting, r=run.r,
                        extra={"llm_url": ctx.llm_url})


def _stage_job(stage: StageSpec, run: RunSpec, ctx: RunContext, variant: Variant, dataset: Any, codec: Any,
               backbone: str, init: Path | None, work: Path) -> tuple[Any, BuildContext, list[str]]:
    """The trainer's job for one stage (its encoded splits, model builder, weighting), its BuildContext, notes."""
    from cls_data.benchmark.data import encode_split, train_split_for_size
    from cls_data.benchmark.train import StageJob
    from cls_data.text import tokenizer_for_language

    cfg = stage_config(variant, stage, ctx)
    split, limit, note = train_split_for_size(dataset, run.train_size, cfg.max_train_samples)
    if cfg.max_train_samples:
        limit = min(limit or cfg.max_train_samples, cfg.max_train_samples)
    columns = {"source": stage.source, "target": stage.target, "mono_target": stage.mono_target,
               "src_max_len": cfg.src_max_len, "tgt_max_len": cfg.tgt_max_len, "cache_dir": ctx.cache / "tokens",
               "on_progress": ctx.on_progress, "lowercase_like_code": ctx.paper_code,
               # the code's two-target loader is TFLCLS's (the mBART family); the baselines' are not the paper's code
               "two_target": stage.mono_target is not None and variant.spec.family == "mbart"}
    train = encode_split(dataset, split, codec, limit=limit, **columns)
    val = encode_split(dataset, "validation", codec, **columns)
    build_ctx = stage_context(stage, run, ctx, variant, dataset, codec, backbone, init)
    weighting = stage_weighting(stage, run, variant, ctx)
    builder = variant.builders[stage.name]
    job = StageJob(name=stage.name, build_model=lambda: builder(build_ctx), build_weighting=weighting,
                   train=train, val=val, codec=codec, cfg=cfg, decode=decode_config(variant, ctx),
                   rouge_tokenizer=tokenizer_for_language(dataset.src_lang if stage.target == "summary" else dataset.tgt_lang),
                   seed=run.seed, work_dir=work,
                   postprocess=variant.postprocess_for(stage, dataset.src_lang if stage.target == "summary" else dataset.tgt_lang))
    return job, build_ctx, [note] if note else []


def shared_stage(stage: StageSpec, run: RunSpec, ctx: RunContext, variant: Variant, dataset: Any, codec: Any,
                 backbone: str) -> Path:
    """The best weights of a shared stage (e.g. stage-1 translation), training it first if no run has yet."""
    from cls_data.benchmark.train import train_stage

    run_dir = ctx.out / shared_rel_dir(run.dataset_name, stage.shared, run.train_size, run.seed)
    work = work_dir(run_dir)
    lock = Lock(work / "lock")
    holder = not run_dir.exists() and is_main_process() and lock.acquire(run_dir)  # the other ranks train along
    barrier()
    if run_dir.exists():
        check_reusable(run_dir, ctx, dataset, shared=True)
        check_identity(run_dir, run_identity(ctx, variant, dataset, backbone), ctx.cache)
        if not (run_dir / "model").is_dir():
            raise ClsDataError(f"{run_dir} has no best weights (model/), which stage {stage.name!r} of every run that shares it "
                               f"starts from; delete that folder to train it again")
        return run_dir / "model"
    tracker = RunTracker(ctx.log_with if holder else (), ctx.out, run_dir.relative_to(ctx.out))  # its own tracker run
    # its config.json names the shared run, not this one; it hands on its best weights whatever --test-weights says
    as_shared = {"variant": stage.shared, "weighting": None, "r": None, "test_weights": "best"}
    try:
        job, _, notes = _stage_job(stage, run, ctx, variant, dataset, codec, backbone, None, work / stage.name)
        tracker.start({**run_config(run, ctx, variant, dataset, backbone, [stage]), **as_shared})
        job.tracker = tracker
        result = train_stage(job, lambda phase, done, total: (holder and lock.touch(), ctx.on_progress(phase, done, total)))
        if not holder:
            barrier()
            return run_dir / "model"
        final = work / "final"
        final.mkdir(exist_ok=True)
        if not (final / "model").exists():
            os.replace(result.best_dir, final / "model")
        write_config(final, {**run_config(run, ctx, variant, dataset, backbone, [stage]), **as_shared})
        write_metrics(final, {"best_epoch": result.best_epoch, "best_val_rouge2": result.best_val.get("rouge2"),
                              "val": result.best_val, "validation": {**result.best_val, "epoch": result.best_epoch},
                              "train_seconds": result.train_seconds,
                              "train_samples_per_s": result.samples_per_s, "notes": notes + result.notes})
        concat_logs([work / stage.name], final / "train_log.jsonl")
        os.replace(final, run_dir)
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
        raise ClsDataError(f"variant {variant.name!r}: stage {stage.name!r} starts from stage {stage.init_from!r}, which has no "
                           f"result (stages before it: {', '.join(best) or 'none'})")
    if not best[stage.init_from].is_dir():
        raise ClsDataError(f"variant {variant.name!r}: stage {stage.name!r} starts from {best[stage.init_from]}, which holds no weights")
    return best[stage.init_from]


@dataclass
class TrainedStages:
    """What training a run's stages left: best weights per stage, the run's own stages and their results."""

    best: dict[str, Path] = field(default_factory=dict)
    own: list[StageSpec] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)  # train.StageResult, one per own stage
    notes: list[str] = field(default_factory=list)
    last_ctx: BuildContext | None = None  # the last stage's BuildContext, to reload its best weights
    val: dict[str, float] | None = None  # validation ROUGE of a variant that trains nothing (no best epoch to take it from)


def train_stages(run: RunSpec, ctx: RunContext, variant: Variant, dataset: Any, codec: Any, backbone: str,
                 work: Path, tracker: RunTracker = NO_TRACKER) -> TrainedStages:
    """Train every stage in order (a shared stage is trained once and reused), each from the one it names;
    the run's own stages log to `tracker`."""
    from cls_data.benchmark.train import train_stage

    trained = TrainedStages()
    for stage in variant.stages:
        init = start_weights(variant, stage, trained.best)
        if stage.shared:
            trained.best[stage.name] = shared_stage(stage, run, ctx, variant, dataset, codec, backbone)
            continue
        job, trained.last_ctx, notes = _stage_job(stage, run, ctx, variant, dataset, codec, backbone, init, work / stage.name)
        job.tracker = tracker
        result = train_stage(job, ctx.on_progress)
        trained.best[stage.name] = result.best_dir
        trained.notes += notes + result.notes
        trained.results.append(result)
        trained.own.append(stage)
    return trained
