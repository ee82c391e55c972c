"""One benchmark run: its stages (shared stage-1 runs trained once and reused), test decoding, its folder.

A run works in `<run_dir>.work/` and is renamed to `<run_dir>` when complete (docs/run-folders.md), so a
run folder is complete or absent; a run that raises leaves `failed.json` in its work folder. The folder
format itself (paths, files, lock) is `cls_data.run_folder`. `execute_run` resolves the run once
(`run_plan.resolve_run` -> `RunPlan`) and passes that down: train the stages, decode, write.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
import traceback
from pathlib import Path
from typing import Any

from cls_data.benchmark.context import RunContext, RunSpec
from cls_data.benchmark.data import ClsDataset
from cls_data.benchmark.identity import check_identity, run_identity
from cls_data.benchmark.machine import machine_facts
from cls_data.benchmark.registry import resolve_variant
from cls_data.benchmark.run_plan import RunPlan, TrainSplit, backbone_for, barrier, is_main_process, resolve_run
from cls_data.benchmark.stages import TrainedStages, check_reusable, train_stages
from cls_data.benchmark.tracking import NO_TRACKER, RunTracker
from cls_data.errors import ClsDataError
from cls_data.run_folder import FAILED, concat_logs, work_dir, write_config, write_failed, write_jsonl, write_metrics

__all__ = ["execute_run", "run_or_record", "is_main_process", "DiskFull", "disk_full"]


def reuse_identity(run: RunSpec, ctx: RunContext) -> dict:
    """The identity (identity.py) this grid would give `run`, to compare with its finished folder's."""
    variant, dataset = resolve_variant(run.variant), ctx.dataset(run.dataset)
    train = TrainSplit.of(dataset, run.train_size, ctx.training_cap(variant.spec))
    return run_identity(ctx, variant, dataset, backbone_for(variant, ctx, dataset, train), for_reuse=True)


def eval_targets(plan: RunPlan, notes: list[str]) -> list[tuple[str, ClsDataset]]:
    """(name, dataset) of the run's own test split and of each --eval-on dataset, each once."""
    dataset = plan.dataset
    targets = [(plan.run.dataset_name, dataset)]
    for path in plan.ctx.eval_on:
        other = plan.ctx.dataset(path)
        if other.fingerprint == dataset.fingerprint:
            notes.append(f"--eval-on {path}: the run's own dataset, not decoded twice")
        elif other.name in dict(targets):
            raise ClsDataError(f"--eval-on {path}: another dataset is already called {other.name!r}; rename its folder")
        else:
            targets.append((other.name, other))
    return targets


def score_on(
    plan: RunPlan, data: ClsDataset, split: str, model: Any, phase: str, limit: int | None = None
) -> tuple[Any, int]:
    """(scoring.Scored, pairs scored) of the decoding model on one split of `data` (validation: the preset's subset)."""
    from cls_data.benchmark.data import encode_split, fixed_subset
    from cls_data.benchmark.scoring import score_split
    from cls_data.text import tokenizer_for_language

    ctx, stage = plan.ctx, plan.variant.decoding_stage
    cfg = plan.config(stage)
    encoded = encode_split(
        data,
        split,
        plan.codec,
        source=stage.source,
        target=stage.target,
        limit=limit,
        lowercase_like_code=ctx.paper_code,
        two_target=stage.mono_target is not None and plan.spec.family == "mbart",
        src_max_len=cfg.src_max_len,
        tgt_max_len=cfg.tgt_max_len,
        cache_dir=ctx.cache / "tokens",
        on_progress=ctx.on_progress,
    )
    if split == "validation":
        encoded = encoded.subset(fixed_subset(len(encoded), cfg.val_subset))
    scored = score_split(
        model,
        plan.codec,
        encoded,
        plan.decode,
        tokenizer_for_language(data.tgt_lang),
        postprocess=plan.variant.postprocess_for(stage, data.tgt_lang),
        on_progress=lambda d, t: ctx.on_progress(phase, d, t),
    )
    return scored, len(encoded)


def validate(plan: RunPlan, model: Any) -> dict[str, float]:
    """Validation ROUGE of the decoding model, on the preset's validation subset (what a trained run's best epoch
    records)."""
    return score_on(plan, plan.dataset, "validation", model, "validate")[0].rouge


def decode_tests(plan: RunPlan, model: Any, notes: list[str]) -> dict[str, tuple[Any, int]]:
    """{dataset name: (scoring.Scored, test pairs)} for the run's test split and every --eval-on dataset."""
    limit = plan.ctx.preset.max_test_samples
    return {
        name: score_on(plan, data, "test", model, f"decode {name} test", limit)
        for name, data in eval_targets(plan, notes)
    }


def run_metrics(trained: TrainedStages, scored: Any, n_test: int, others: dict[str, tuple[Any, int]]) -> dict:
    """metrics.json of a finished run (docs/run-folders.md)."""
    results = trained.results
    train_seconds = sum(r.train_seconds for r in results)
    samples = sum(r.samples_per_s * r.train_seconds for r in results)
    last = results[-1] if results else None
    return {
        "test": scored.rouge,
        "tokenizer": scored.tokenizer,
        "n_test": n_test,
        "empty_predictions": scored.empty_predictions,
        **({"separator_missing": scored.separator_missing} if scored.separator_missing is not None else {}),
        **({"wrong_language": scored.wrong_language} if scored.wrong_language is not None else {}),
        # a variant that trains nothing (llm-prompt) has no epoch and no training rate; its validation scores
        # come from decoding the validation split once (`validate`)
        "best_epoch": last.best_epoch if last else None,
        "best_val_rouge2": last.best_val.get("rouge2") if last else (trained.val or {}).get("rouge2"),
        # the epoch kept, on the validation split
        "validation": ({**last.best_val, "epoch": last.best_epoch} if last else {**(trained.val or {}), "epoch": None}),
        "train_seconds": round(train_seconds, 3),
        "decode_seconds": round(scored.seconds, 3),
        "train_samples_per_s": round(samples / max(train_seconds, 1e-9), 3) if results else None,
        "decode_samples_per_s": round(n_test / max(scored.seconds, 1e-9), 3),
        "eval_on": {
            name: {
                **other.rouge,
                "tokenizer": other.tokenizer,
                "n_test": n,
                "empty_predictions": other.empty_predictions,
            }
            for name, (other, n) in others.items()
        },
        "stages": {
            s.name: {"best_epoch": r.best_epoch, "best_val": r.best_val, "steps": r.steps}
            for s, r in zip(trained.own, results, strict=True)
        },
        "notes": trained.notes,
        "machine": machine_facts(),  # the report shows measured times with the load they were measured under
    }


def write_run(plan: RunPlan, final: Path, trained: TrainedStages, decoded: dict[str, tuple[Any, int]]) -> dict:
    """predictions, metrics.json, config.json and the joined train log into the run's `final` folder; returns the
    metrics."""
    scored, n_test = decoded.pop(plan.run.dataset_name)
    write_jsonl(final / "predictions.jsonl", scored.rows)
    for name, (other, _) in decoded.items():
        write_jsonl(final / f"predictions.{name}.jsonl", other.rows)
    from cls_data.benchmark.paper_metrics import paper_metrics

    metrics = run_metrics(trained, scored, n_test, decoded)
    # the paper's ROUGE unit, when its tokenizer is at hand
    metrics.update(paper_metrics(scored.rows, plan.dataset.tgt_lang, plan.ctx.paper_tokens))
    write_metrics(final, metrics)
    write_config(final, plan.record())
    concat_logs([final.parent / s.name for s in trained.own], final / "train_log.jsonl")
    return metrics


def decoding_model(plan: RunPlan, trained: TrainedStages, final: Path) -> Any:
    """The model that decodes the test split, on the device: the last stage's best weights (moved into `final`), or,
    when nothing was trained (a prompted LLM), the inference stage's model straight from the backbone."""
    from cls_data.benchmark.device import make_accelerator

    variant, last = plan.variant, plan.variant.decoding_stage
    if variant.stages:
        if not (final / "model").exists():
            os.replace(trained.best[last.name], final / "model")
        model = variant.loaders[last.name](dataclasses.replace(trained.last_ctx, init=final / "model"))
    else:  # no weights saved
        model = variant.builders[last.name](plan.build_context(last, None))
    model.to(make_accelerator(plan.config(last)).device)
    return model


def execute_run(run: RunSpec, ctx: RunContext, tracker: RunTracker = NO_TRACKER) -> Path:
    """Train the stages, decode the test split(s), write the run folder `RUNS/<rel_dir>`; returns it.

    Raises on failure (see `run_or_record`). `tracker` (started here, finished by the caller) gets the
    run's config, every train-log record and the test scores.
    """
    run_dir = ctx.out / run.rel_dir
    work = work_dir(run_dir)
    work.mkdir(parents=True, exist_ok=True)
    (work / FAILED).unlink(missing_ok=True)
    plan = resolve_run(run, ctx)
    tracker.start(plan.record())
    trained = train_stages(plan, work, tracker)
    if not is_main_process():  # rank 0 decodes the test split and writes the run folder
        barrier()
        return run_dir
    final = work / "final"
    final.mkdir(exist_ok=True)
    model = decoding_model(plan, trained, final)
    if not plan.variant.stages:  # scored on validation too: the report chooses between systems on validation
        trained.val = validate(plan, model)
    decoded = decode_tests(plan, model, trained.notes)
    served = getattr(getattr(model, "client", None), "served", None)  # --llm-url with several replicas
    if served and len(served) > 1:
        counts = ", ".join(f"{url} {n}" for url, n in served.items())
        trained.notes.append(f"prompts answered per --llm-url server: {counts}")
    metrics = write_run(plan, final, trained, decoded)
    tracker.log_test(metrics, step=trained.results[-1].steps if trained.results else 0)
    os.replace(final, run_dir)
    shutil.rmtree(work, ignore_errors=True)
    barrier()
    return run_dir


class DiskFull(ClsDataError):
    """No space left under RUNS: every further run would fail the same way, so the grid stops (grid.run_grid)."""

    def __init__(self, run: RunSpec, line: str) -> None:
        super().__init__(f"disk full during {run.rel_dir}: {line}")
        self.run, self.line = run, line


def disk_full(exc: BaseException) -> bool:
    """Whether `exc` (or an exception it was raised from) is "no space left" / "quota exceeded", as the writers say it:
    OSError ENOSPC/EDQUOT from Python files, "No space left on device (os error 28)" from safetensors' Rust writer."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "No space left on device" in str(exc) or "os error 28" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def run_or_record(run: RunSpec, ctx: RunContext) -> tuple[str, str | None]:
    """("done" | "skipped" | "failed", error line); a failure leaves `<run_dir>.work/failed.json`.

    Raises ClsDataError when the finished folder was made with another preset or dataset version, and
    `DiskFull` when the disk is full (its work folder is kept: the run resumes from its checkpoint).
    """
    run_dir = ctx.out / run.rel_dir
    if run_dir.exists():
        check_reusable(run_dir, ctx, ctx.dataset(run.dataset))
        check_identity(run_dir, reuse_identity(run, ctx), ctx.cache)
        return "skipped", None
    tracker = RunTracker(ctx.log_with, ctx.out, run.rel_dir)
    try:
        execute_run(run, ctx, tracker)
        return "done", None
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # one run's failure must not stop the grid
        line = (str(exc).splitlines() or [type(exc).__name__])[0]
        if disk_full(exc):
            raise DiskFull(run, line) from exc
        from cls_data.benchmark.train import NonFiniteLoss

        extra = (
            {"stage": exc.stage, "step": exc.step, "epoch": exc.epoch, "lr": exc.lr}
            if isinstance(exc, NonFiniteLoss)
            else {}
        )
        write_failed(work_dir(run_dir), f"{type(exc).__name__}: {line}", traceback.format_exc(), **extra)
        return "failed", f"{type(exc).__name__}: {line}"
    finally:
        tracker.finish()
