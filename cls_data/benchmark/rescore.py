"""`cls-data score RUNS --on FOLDER`: decode every finished run's best model on another dataset's test split.

For runs already trained (the benchmark's `--eval-on` / `--extra-test` does the same during the grid):
each run's saved `model/` is loaded as the benchmark loads it after training (the run's config.json
names the variant, backbone, preset and languages), the external test split is decoded with the
preset's decoding settings, and the run folder gets `predictions.<name>.jsonl` and
`metrics.json`'s `eval_on.<name>`, exactly as a grid with `--eval-on` writes them. A run already
scored on that dataset version is skipped, so the command resumes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from cls_data.errors import ClsDataError
from cls_data.run_folder import (
    MODEL,
    STAGE1,
    read_config,
    read_metrics,
    scan_runs,
    write_jsonl,
    write_metrics,
    write_results_json,
)


@dataclass
class RescoreResult:
    dataset: str
    scored: list[str] = field(default_factory=list)  # run dirs decoded now
    skipped: list[str] = field(default_factory=list)  # already scored on this dataset version
    failed: dict[str, str] = field(default_factory=dict)  # run dir -> one-line reason
    notes: list[str] = field(default_factory=list)


def _run_spec(config: dict) -> Any:
    from cls_data.benchmark.context import RunSpec

    return RunSpec(
        str(config.get("dataset_path") or ""),
        str(config["dataset"]),
        str(config["variant"]),
        config.get("weighting"),
        config.get("r"),
        int(config["train_size"]),
        int(config.get("seed") or 0),
    )


def plan_of(run: Path, config: dict, ctx: Any) -> Any:
    """The finished run's `RunPlan`, from its config.json alone (its training dataset need not be here)."""
    from cls_data.benchmark.registry import resolve_variant
    from cls_data.benchmark.run_plan import RunPlan, stage_configs

    variant = resolve_variant(config["variant"])
    if variant.setup:
        raise ClsDataError(
            f"variant {variant.name} builds its prompts from its training split; score it with "
            "`cls-data benchmark ... --extra-test` instead"
        )
    spec = variant.spec
    backbone = str((config.get("model") or {}).get("backbone") or spec.default_backbone)
    languages = SimpleNamespace(
        src_lang=config.get("src_lang"), tgt_lang=config.get("tgt_lang"), fingerprint=config.get("dataset_fingerprint")
    )
    return RunPlan(
        run=_run_spec(config),
        ctx=ctx,
        variant=variant,
        dataset=languages,
        train=None,
        backbone=backbone,
        codec=variant.codec(backbone, languages.src_lang, languages.tgt_lang),
        configs=stage_configs(ctx, spec),
    )


def _load_model(run: Path, plan: Any) -> Any:
    """The decoding model of a finished run, as `runs.execute_run` loads it after training."""
    variant = plan.variant
    last = variant.decoding_stage
    if not variant.stages:  # nothing trained (a model behind a server or straight from its backbone)
        return variant.builders[last.name](plan.build_context(last, None))
    if not (run / MODEL).exists():
        raise ClsDataError(f"{run}: no model/ folder to decode with")
    return variant.loaders[last.name](plan.build_context(last, run / MODEL))


def rescore_run(
    root: Path,
    run: Path,
    external: Any,
    preset: Any | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> str:
    """Decode one finished run (under RUNS `root`, for its token cache) on `external`'s test split.

    Returns "scored", or "skipped" when the run was already scored on this version of the dataset."""
    from cls_data.benchmark.context import RunContext
    from cls_data.benchmark.device import make_accelerator
    from cls_data.benchmark.presets import get_preset
    from cls_data.benchmark.runs import score_on

    config, metrics = read_config(run), read_metrics(run)
    done = (metrics.get("eval_on") or {}).get(external.name) or {}
    decoded = run / f"predictions.{external.name}.jsonl"
    if done.get("dataset_fingerprint") == external.fingerprint and decoded.exists():
        return "skipped"
    ctx = RunContext(
        out=root,
        preset=preset or get_preset(str(config.get("preset") or "paper")),
        options=dict(config.get("options") or {}),
        deterministic=bool(config.get("deterministic")),
        paper_code=bool(config.get("paper_code")),
        on_progress=progress or (lambda phase, d, t: None),
    )
    plan = plan_of(run, config, ctx)
    model = _load_model(run, plan)
    model.to(make_accelerator(plan.config(plan.variant.decoding_stage)).device)
    scored, n = score_on(plan, external, "test", model, f"decode {external.name} test", ctx.preset.max_test_samples)
    write_jsonl(decoded, scored.rows)
    metrics.setdefault("eval_on", {})[external.name] = {
        **scored.rouge,
        "tokenizer": scored.tokenizer,
        "n_test": n,
        "empty_predictions": scored.empty_predictions,
        "dataset_fingerprint": external.fingerprint,
        "decode_seconds": round(scored.seconds, 3),
    }
    write_metrics(run, metrics)
    return "scored"


def rescore(
    runs_root: Path, folder: str, preset: Any | None = None, on_progress: Callable[[str], None] | None = None
) -> RescoreResult:
    """Every finished run under RUNS (not shared stage-1 runs) decoded on FOLDER's test split; a run that raises
    is recorded and the others go on."""
    from cls_data.benchmark.data import open_dataset

    root = Path(runs_root)
    if not root.is_dir():
        raise ClsDataError(f"{root}: no such runs folder")
    external = open_dataset(folder)
    if "test" not in external.splits:
        raise ClsDataError(f"{folder}: no test split to score on")
    result = RescoreResult(external.name)
    rows = [r for r in scan_runs(root) if r.status == "done" and r.in_domain and r.variant != STAGE1 and r.run_dir]
    if not rows:
        raise ClsDataError(f"{root}: no finished runs to score")
    for i, row in enumerate(rows, start=1):
        if on_progress:
            on_progress(f"{row.run_dir} on {external.name} ({i}/{len(rows)})")
        try:
            status = rescore_run(root, root / row.run_dir, external, preset)
        except ClsDataError as exc:
            result.failed[row.run_dir] = str(exc)
            continue
        (result.scored if status == "scored" else result.skipped).append(row.run_dir)
    if result.scored:  # RUNS/results.json gains the new rows, as after each run of a grid
        write_results_json(root)
    for row in rows:
        config = read_config(root / row.run_dir)
        if config.get("tgt_lang") and config.get("tgt_lang") != external.tgt_lang:
            result.notes.append(
                f"{row.run_dir} writes {config.get('tgt_lang')}, {external.name} has {external.tgt_lang} references"
            )
            break
    return result
