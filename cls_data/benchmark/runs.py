"""One benchmark run: its stages (shared stage-1 runs trained once and reused), test decoding, its folder.

A run works in `<run_dir>.work/` and is renamed to `<run_dir>` when complete (docs/run-folders.md), so a
run folder is complete or absent; a run that raises leaves `failed.json` in its work folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cls_data.benchmark.config import SMOKE_BACKBONE, Preset, StageSpec, VariantSpec
from cls_data.benchmark.registry import BuildContext, get_variant, resolve
from cls_data.benchmark.rundir import Lock, concat_logs, run_config, write_json, write_jsonl
from cls_data.errors import ClsDataError

Progress = Callable[[str, int, int], None]


def is_main_process() -> bool:
    """Rank 0 of a DDP launch (accelerate launch / torchrun), or the only process."""
    return int(os.environ.get("RANK", "0")) == 0


def barrier() -> None:
    """Wait for every process of a DDP launch; nothing to do in a single process."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        from accelerate import PartialState

        PartialState().wait_for_everyone()


def format_r(r: float) -> str:
    return f"r{r:g}"


@dataclass(frozen=True)
class RunSpec:
    """One cell of a grid; `rel_dir` is its folder under RUNS (docs/run-folders.md)."""

    dataset: str  # folder path or Hub id
    dataset_name: str
    variant: str
    weighting: str | None
    r: float | None
    train_size: int
    seed: int

    @property
    def rel_dir(self) -> Path:
        parts = [self.dataset_name, self.variant, *([self.weighting] if self.weighting else []),
                 *([format_r(self.r)] if self.r is not None else []), f"n{self.train_size}", f"seed{self.seed}"]
        return Path(*parts)


@dataclass
class RunContext:
    """Grid-wide settings and caches shared by the runs of one process."""

    out: Path
    preset: Preset
    backbone: str | None = None
    eval_on: tuple[str, ...] = ()
    src_lang: str | None = None
    tgt_lang: str | None = None
    on_progress: Progress = lambda phase, done, total: None
    datasets: dict[str, Any] = field(default_factory=dict)

    @property
    def cache(self) -> Path:
        return self.out / ".cache"

    def dataset(self, path: str) -> Any:
        from cls_data.benchmark.data import open_dataset

        if path not in self.datasets:
            self.datasets[path] = open_dataset(path, src_lang=self.src_lang, tgt_lang=self.tgt_lang)
        return self.datasets[path]


def backbone_for(spec: VariantSpec, ctx: RunContext, dataset: Any, train_size: int | None = None) -> str:
    """--backbone (for its family), the smoke preset's tiny dataset-trained model, a backbone trained on the
    run's training split (`spec.dataset_backbone`, e.g. NCLS's vocabulary), or the variant's default."""
    name = ctx.backbone if ctx.backbone and spec.family == "mbart" else None
    smoke = ctx.preset.backbone == SMOKE_BACKBONE
    name = name or (SMOKE_BACKBONE if smoke else spec.default_backbone)
    if name == SMOKE_BACKBONE:
        folder = ctx.cache / "backbones" / f"{spec.family}-smoke-{dataset.fingerprint}"
        split, limit, builder = "train", None, lambda texts, out: resolve(spec.smoke_backbone)(texts, out)
    elif spec.dataset_backbone and name == spec.default_backbone and train_size is not None:
        from cls_data.benchmark.data import train_split_for_size

        split, limit, _ = train_split_for_size(dataset, train_size)
        folder = ctx.cache / "backbones" / f"{spec.family}-{dataset.fingerprint}-n{train_size}"
        builder = lambda texts, out: resolve(spec.dataset_backbone)(texts, out, dataset.src_lang, dataset.tgt_lang)  # noqa: E731
    else:
        return name
    if not folder.exists() and is_main_process():
        train = dataset.split(split, ("text", "summary", "cls_summary"))
        columns = [list(train[column])[:limit] if limit else list(train[column]) for column in ("text", "summary", "cls_summary")]
        tmp = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
        builder([text for column in columns for text in column], tmp)
        tmp.rename(folder)
    barrier()
    return str(folder)


def _stage_job(stage: StageSpec, run: RunSpec, ctx: RunContext, spec: VariantSpec, dataset: Any, codec: Any,
               backbone: str, init: Path | None, work: Path) -> Any:
    from cls_data.benchmark.data import encode_split, train_split_for_size
    from cls_data.benchmark.losses import make_weighting
    from cls_data.benchmark.train import StageJob
    from cls_data.text import tokenizer_for_language

    cfg = stage.train_config(ctx.preset)
    split, limit, note = train_split_for_size(dataset, run.train_size, cfg.max_train_samples)
    if cfg.max_train_samples:
        limit = min(limit or cfg.max_train_samples, cfg.max_train_samples)
    columns = {"source": stage.source, "target": stage.target, "mono_target": stage.mono_target,
               "src_max_len": cfg.src_max_len, "tgt_max_len": cfg.tgt_max_len, "cache_dir": ctx.cache / "tokens",
               "on_progress": ctx.on_progress}
    train = encode_split(dataset, split, codec, limit=limit, **columns)
    val = encode_split(dataset, "validation", codec, **columns)
    build_ctx = BuildContext(backbone=backbone, codec=codec, src_lang=dataset.src_lang, tgt_lang=dataset.tgt_lang,
                             stage=stage, train=cfg, init=init, weighting=run.weighting, r=run.r)
    if stage.weighted:
        weighting = lambda tasks: make_weighting(run.weighting or spec.default_weighting, tasks, r=run.r or 2.0)  # noqa: E731
    else:
        weighting = lambda tasks: make_weighting("sum", tasks, coefficients=dict(stage.loss_coefficients) or None)  # noqa: E731
    job = StageJob(name=stage.name, build_model=lambda: resolve(stage.builder)(build_ctx), build_weighting=weighting,
                   train=train, val=val, codec=codec, cfg=cfg, decode=spec.decode_config(ctx.preset),
                   rouge_tokenizer=tokenizer_for_language(dataset.src_lang if stage.target == "summary" else dataset.tgt_lang),
                   seed=run.seed, work_dir=work,
                   postprocess=resolve(spec.postprocess) if spec.postprocess and stage.postprocess else None)
    return job, build_ctx, [note] if note else []


def shared_stage(stage: StageSpec, run: RunSpec, ctx: RunContext, spec: VariantSpec, dataset: Any, codec: Any, backbone: str) -> Path:
    """The best weights of a shared stage (e.g. stage-1 translation), training it first if no run has yet."""
    from cls_data.benchmark.train import train_stage

    run_dir = ctx.out / run.dataset_name / stage.shared / f"n{run.train_size}" / f"seed{run.seed}"
    work = run_dir.with_name(run_dir.name + ".work")
    lock = Lock(work / "lock")
    holder = not run_dir.exists() and is_main_process() and lock.acquire(run_dir)  # the other ranks train along
    barrier()
    if run_dir.exists():
        check_reusable(run_dir, ctx, dataset)
        return run_dir / "model"
    try:
        job, _, notes = _stage_job(stage, run, ctx, spec, dataset, codec, backbone, None, work / stage.name)
        result = train_stage(job, lambda phase, done, total: (holder and lock.touch(), ctx.on_progress(phase, done, total)))
        if not holder:
            barrier()
            return run_dir / "model"
        final = work / "final"
        final.mkdir(exist_ok=True)
        if not (final / "model").exists():
            os.replace(result.best_dir, final / "model")
        write_json(final / "config.json", {**run_config(run, ctx, spec, dataset, backbone, [stage]), "variant": stage.shared,
                                           "weighting": None, "r": None})
        write_json(final / "metrics.json", {"best_epoch": result.best_epoch, "best_val_rouge2": result.best_val.get("rouge2"),
                                            "val": result.best_val, "train_seconds": result.train_seconds,
                                            "train_samples_per_s": result.samples_per_s, "notes": notes})
        concat_logs([work / stage.name], final / "train_log.jsonl")
        os.replace(final, run_dir)
    finally:
        if holder:
            lock.release()
    shutil.rmtree(work, ignore_errors=True)
    barrier()
    return run_dir / "model"


def execute_run(run: RunSpec, ctx: RunContext) -> Path:
    """Train and score one run into `RUNS/<rel_dir>`; returns the folder. Raises on failure (see `run_or_record`)."""
    from cls_data.benchmark.data import encode_split
    from cls_data.benchmark.scoring import score_split
    from cls_data.benchmark.train import train_stage
    from cls_data.text import tokenizer_for_language

    spec, dataset = get_variant(run.variant), ctx.dataset(run.dataset)
    run_dir = ctx.out / run.rel_dir
    work = run_dir.with_name(run_dir.name + ".work")
    work.mkdir(parents=True, exist_ok=True)
    (work / "failed.json").unlink(missing_ok=True)
    backbone = backbone_for(spec, ctx, dataset, run.train_size)
    codec = resolve(spec.codec)(backbone, dataset.src_lang, dataset.tgt_lang)
    best: dict[str, Path] = {}
    own, notes, results = [], [], []
    for stage in spec.stages:
        init = best.get(stage.init_from) if stage.init_from else None
        if stage.shared:
            best[stage.name] = shared_stage(stage, run, ctx, spec, dataset, codec, backbone)
            continue
        job, build_ctx, stage_notes = _stage_job(stage, run, ctx, spec, dataset, codec, backbone, init, work / stage.name)
        result = train_stage(job, ctx.on_progress)
        best[stage.name], notes, results = result.best_dir, notes + stage_notes, results + [result]
        own.append(stage)
    last = spec.stages[-1]
    final = work / "final"
    if not is_main_process():  # rank 0 decodes the test split and writes the run folder
        barrier()
        return run_dir
    final.mkdir(exist_ok=True)
    if not (final / "model").exists():
        os.replace(best[last.name], final / "model")
    build_ctx.init = final / "model"
    model = resolve(last.loader or last.builder)(build_ctx)
    from cls_data.benchmark.train import make_accelerator

    model.to(make_accelerator(last.train_config(ctx.preset)).device)
    decode_rows = {}
    tokenizer = tokenizer_for_language(dataset.tgt_lang)
    targets = [(run.dataset_name, dataset)]
    for path in ctx.eval_on:
        other = ctx.dataset(path)
        if other.fingerprint == dataset.fingerprint:
            notes.append(f"--eval-on {path}: the run's own dataset, not decoded twice")
        elif other.name in dict(targets):
            raise ClsDataError(f"--eval-on {path}: another dataset is already called {other.name!r}; rename its folder")
        else:
            targets.append((other.name, other))
    for name, data in targets:
        test = encode_split(data, "test", codec, source=last.source, target=last.target, limit=ctx.preset.max_test_samples,
                            src_max_len=last.train_config(ctx.preset).src_max_len, tgt_max_len=last.train_config(ctx.preset).tgt_max_len,
                            cache_dir=ctx.cache / "tokens", on_progress=ctx.on_progress)
        decode_rows[name] = (score_split(model, codec, test, spec.decode_config(ctx.preset), tokenizer_for_language(data.tgt_lang),
                                         postprocess=job.postprocess,
                                         on_progress=lambda d, t, n=name: ctx.on_progress(f"decode {n} test", d, t)), len(test))
    scored, n_test = decode_rows.pop(run.dataset_name)
    write_jsonl(final / "predictions.jsonl", scored.rows)
    for name, (other, _) in decode_rows.items():
        write_jsonl(final / f"predictions.{name}.jsonl", other.rows)
    train_seconds = sum(r.train_seconds for r in results)
    samples = sum(r.samples_per_s * r.train_seconds for r in results)
    write_json(final / "metrics.json", {
        "test": scored.rouge, "tokenizer": tokenizer, "n_test": n_test, "empty_predictions": scored.empty_predictions,
        **({"separator_missing": scored.separator_missing} if scored.separator_missing is not None else {}),
        "best_epoch": results[-1].best_epoch, "best_val_rouge2": results[-1].best_val.get("rouge2"),
        "train_seconds": round(train_seconds, 3), "decode_seconds": round(scored.seconds, 3),
        "train_samples_per_s": round(samples / max(train_seconds, 1e-9), 3),
        "decode_samples_per_s": round(n_test / max(scored.seconds, 1e-9), 3),
        "eval_on": {name: {**other.rouge, "tokenizer": other.tokenizer, "n_test": n, "empty_predictions": other.empty_predictions}
                    for name, (other, n) in decode_rows.items()},
        "stages": {s.name: {"best_epoch": r.best_epoch, "best_val": r.best_val, "steps": r.steps} for s, r in zip(own, results)},
        "notes": notes,
    })
    write_json(final / "config.json", run_config(run, ctx, spec, dataset, backbone, list(spec.stages)))
    concat_logs([work / s.name for s in own], final / "train_log.jsonl")
    os.replace(final, run_dir)
    shutil.rmtree(work, ignore_errors=True)
    barrier()
    return run_dir


def check_reusable(run_dir: Path, ctx: RunContext, dataset: Any) -> None:
    """A finished run (or shared stage) is reused only if made with this preset on this version of the dataset."""
    made = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
    if (made.get("preset"), made.get("dataset_fingerprint")) != (ctx.preset.name, dataset.fingerprint):
        raise ClsDataError(
            f"{run_dir} was made with preset {made.get('preset')!r} on dataset version {made.get('dataset_fingerprint')}; "
            f"this grid uses preset {ctx.preset.name!r} on {dataset.fingerprint}: choose another --out")


def run_or_record(run: RunSpec, ctx: RunContext) -> tuple[str, str | None]:
    """("done" | "skipped" | "failed", error line); a failure leaves `<run_dir>.work/failed.json`.

    Raises ClsDataError when the finished folder was made with another preset or dataset version.
    """
    run_dir = ctx.out / run.rel_dir
    if run_dir.exists():
        check_reusable(run_dir, ctx, ctx.dataset(run.dataset))
        return "skipped", None
    try:
        execute_run(run, ctx)
        return "done", None
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # one run's failure must not stop the grid
        line = (str(exc).splitlines() or [type(exc).__name__])[0]
        work = run_dir.with_name(run_dir.name + ".work")
        work.mkdir(parents=True, exist_ok=True)
        write_json(work / "failed.json", {"error": f"{type(exc).__name__}: {line}", "traceback": traceback.format_exc(),
                                          "time": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()})
        return "failed", f"{type(exc).__name__}: {line}"
