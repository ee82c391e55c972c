"""The grid runner: datasets x variants x weightings x r x train sizes x seeds -> run folders.

`expand` lists the runs, `shard` filters them (every N-th by folder), `plan` estimates the GPU-hours
before anything is spent, `run_grid` executes them: each worker sharing RUNS claims the most
expensive run nobody holds (`schedule.drain`, `claims.py`; docs/scale-out.md), a finished run is
skipped, a failed one recorded and the grid goes on; RUNS/results.json is rewritten after each run
(`cls_data.run_folder` reads and writes the folders).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cls_data.benchmark.config import GridSpec
from cls_data.benchmark.context import RunContext, RunSpec
from cls_data.benchmark.registry import WEIGHTINGS, get_variant, variant_names, weightings_of
from cls_data.benchmark.runs import DiskFull, disk_full, is_main_process, run_or_record
from cls_data.benchmark.tracking import check_trackers
from cls_data.errors import ClsDataError
from cls_data.run_folder import FAILED, work_dir, write_results_json

CLAIM_POLL_SECONDS = 0.5  # how often a worker with nothing to claim looks again (a stat per pending run)


def dataset_name(path_or_id: str) -> str:
    """The run-folder name of a dataset: a folder's name, or a Hub id with "/" -> "__"."""
    path = Path(path_or_id)
    return path.resolve().name if path.is_dir() else str(path_or_id).replace("/", "__")


def expand(grid: GridSpec) -> list[RunSpec]:
    """Every run of the grid, in a stable order (the order of the options, then of the values)."""
    names = variant_names() if grid.variants == ("all",) else list(grid.variants)
    specs = [get_variant(name) for name in names]  # a miss lists every valid name
    for weighting in grid.weightings:
        if weighting != "all" and weighting not in WEIGHTINGS:
            raise WEIGHTINGS.unknown(weighting, " (or all)")
    runs = []
    for dataset in grid.datasets:
        for spec in specs:
            accepted = weightings_of(spec)
            if not accepted:
                schemes: list[str | None] = [None]
            elif not grid.weightings:
                schemes = [spec.default_weighting]
            elif grid.weightings == ("all",):
                schemes = list(accepted)
            else:
                schemes = [w for w in grid.weightings if w in accepted] or [spec.default_weighting]
            for weighting in schemes:
                for r in grid.rs if weighting == "tflcls" else [None]:
                    for size in grid.train_sizes:
                        for seed in grid.seeds:
                            runs.append(RunSpec(dataset, dataset_name(dataset), spec.name, weighting, r, size, seed))
    return _each_once(runs)  # e.g. one r listed twice


def expand_all(grids: list[GridSpec]) -> list[RunSpec]:
    """The union of several grids' runs (a spec file's [[grid]] tables), each run once."""
    return _each_once([run for grid in grids for run in expand(grid)])


def _each_once(runs: list[RunSpec]) -> list[RunSpec]:
    """The runs in order, each folder once (the first run that names it)."""
    seen, unique = set(), []
    for run in runs:
        if run.rel_dir not in seen:
            seen.add(run.rel_dir)
            unique.append(run)
    return unique


SHARED_KEYS = (
    "preset",
    "backbone",
    "eval_on",
    "src_lang",
    "tgt_lang",
    "deterministic",
    "paper_code",
    "options",
    "test_weights",
    "paper_tokens",
)


def grid_spec(fields: dict[str, Any], where: str = "the grid") -> GridSpec:
    """A GridSpec from flat keys (a grid file's table, the CLI's options): a family option (the LLM's `shots`,
    `llm_url`: `registry.Family.options`) goes into `options`; an unknown key is one line naming the valid ones."""
    from cls_data.benchmark.registry import family_options

    valid = {f.name for f in dataclasses.fields(GridSpec)} - {"options"}
    optional = {option.name for option in family_options()}
    unknown = sorted(set(fields) - valid - optional)
    if unknown:
        raise ClsDataError(f"{where}: unknown key {unknown[0]!r}; valid keys: {', '.join(sorted(valid | optional))}")
    if "datasets" not in fields:
        raise ClsDataError(f"{where}: no datasets (set datasets = [...] or pass --dataset)")
    options = {**dict(fields.get("options") or ()), **{k: v for k, v in fields.items() if k in optional}}
    plain = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items() if k in valid}
    return GridSpec(**plain, options=tuple(sorted(options.items())))


def load_grid_file(path: Path, **overrides) -> list[GridSpec]:
    """GridSpecs from a TOML or JSON file: top-level keys apply to every `[[grid]]` table (see grids/paper.toml).

    `overrides` (options given on the command line) replace the file's values, except `variants`, which picks
    from each table's variants (so `--variants mbart-cls,tflcls` runs those two wherever the file has them, and
    does not turn Table 3's tflcls-only table into a grid of both).
    """
    import tomllib

    wanted = overrides.pop("variants", None)

    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise ClsDataError(f"cannot read grid file {path}: {str(exc).splitlines()[0]}") from None
    top = {k: v for k, v in data.items() if k != "grid"}
    grids = []
    for entry in data.get("grid") or [{}]:
        merged = {**top, **entry, **{k: v for k, v in overrides.items() if v is not None}}
        grids.append(grid_spec(merged, f"grid file {path}"))
    for key in SHARED_KEYS:
        if len({getattr(g, key) for g in grids}) > 1:
            raise ClsDataError(f"grid file {path}: {key} must be the same in every [[grid]] table (set it at the top)")
    return _pick_variants(grids, wanted, path) if wanted and tuple(wanted) != ("all",) else grids


def _pick_variants(grids: list[GridSpec], wanted: tuple[str, ...], path: Path) -> list[GridSpec]:
    """Each table restricted to the wanted variants it holds; tables left with none are dropped."""
    for name in wanted:
        get_variant(name)  # a miss lists every valid name
    picked, found = [], set()
    for grid in grids:
        names = variant_names() if grid.variants == ("all",) else list(grid.variants)
        keep = tuple(name for name in names if name in wanted)
        found.update(keep)
        if keep:
            picked.append(dataclasses.replace(grid, variants=keep))
    missing = [name for name in wanted if name not in found]
    if missing:
        raise ClsDataError(
            f"grid file {path} has no run of {', '.join(missing)}; --variants picks from the file's "
            f"variants (run it without --spec, with --dataset, to add one)"
        )
    return picked


def parse_shard(text: str) -> tuple[int, int]:
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ClsDataError(f"--shard {text!r}: expected K/N, e.g. 1/4") from None
    if not 1 <= k <= n:
        raise ClsDataError(f"--shard {text!r}: K must be between 1 and N")
    return k, n


def shard(runs: list[RunSpec], k: int, n: int) -> list[RunSpec]:
    """Shard K of N (1-based): every N-th run of the grid sorted by folder, so the N shards cover every run once.

    Sorting by folder keeps the split independent of option order; dealing round-robin spreads the
    expensive variants evenly. Runs that share a stage-1 run may land in different shards: the
    first to need it trains it under a claim and the others wait for it (stages.shared_stage).
    """
    ordered = sorted(runs, key=lambda run: str(run.rel_dir))
    return ordered[k - 1 :: n]


def preflight(runs: list[RunSpec], ctx: RunContext) -> None:
    """Resolve every run still to do before any training (`run_plan.resolve_run`: its train split, backbone and
    codec, each tokenizer loaded once): a train size too large, no network or no local copy is one line now, not a
    failed.json in every run folder."""
    from cls_data.benchmark.run_plan import resolve_run

    for run in runs:
        if not (ctx.out / run.rel_dir).exists():
            resolve_run(run, ctx)


def _disk_full_error(out: Path, runs: list[RunSpec], ctx: RunContext, where: str, why: object) -> ClsDataError:
    """One line: where the disk filled, what is free, and what the runs still to do need (plan.disk_needed)."""
    import shutil

    from cls_data.benchmark.plan import disk_needed, human_bytes, plan

    kept, work = disk_needed(plan(runs, ctx))
    probe = next((p for p in (out, *out.parents) if p.exists()), Path("."))
    free = shutil.disk_usage(probe).free
    line = (str(why).splitlines() or [type(why).__name__])[0]
    return ClsDataError(
        f"disk full {where} ({line}): {out} has {human_bytes(free)} free; the {len(runs)} runs still to do "
        f"need about {human_bytes(kept + work)} ({human_bytes(work)} while one trains, {human_bytes(kept)} kept "
        f"in run folders); free space or choose another --out, then rerun (finished runs are skipped, "
        f"a stopped one resumes from its checkpoint)"
    )


@dataclass
class GridResult:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (run dir, error line)
    by_others: list[str] = field(default_factory=list)  # finished meanwhile by other workers sharing RUNS
    notes: list[str] = field(default_factory=list)


def run_grid(
    grids: GridSpec | list[GridSpec],
    out: Path,
    *,
    shard_of: tuple[int, int] = (1, 1),
    on_progress: Callable[[str, int, int], None] | None = None,
    write_results: Callable[[Path], object] = write_results_json,
    log_with: tuple[str, ...] = (),
) -> GridResult:
    """Run (or skip, when already complete) every run of this shard; `write_results(out)` after each.

    `log_with`: accelerate trackers that follow each run live (`cls_data.benchmark.tracking`).

    The default rewrites RUNS/results.json from the run folders; `cls-data benchmark` passes the
    report's `write_results`, which adds RUNS/results.md (the benchmark does not import the report).
    """
    grids = [grids] if isinstance(grids, GridSpec) else grids
    grid = grids[0]  # preset, backbone, eval_on and languages are shared (load_grid_file checks)
    progress = on_progress or (lambda phase, done, total: None)
    runs = shard(expand_all(grids), *shard_of)
    ctx = RunContext.from_grid(grid, out, on_progress=progress, log_with=check_trackers(log_with))
    for path in dict.fromkeys([d for g in grids for d in g.datasets] + list(grid.eval_on)):
        ctx.dataset(path)  # a missing dataset or language pair stops here, with one line
    if grid.test_weights not in ("best", "last"):
        raise ClsDataError(f"test_weights {grid.test_weights!r}: choose best or last")
    if grid.paper_tokens:  # a tokenizer named but not loadable: one line now, not a failed run after training
        from cls_data.benchmark.paper_metrics import paper_tokenizer

        paper_tokenizer(grid.paper_tokens)
    try:
        preflight(runs, ctx)
    except Exception as exc:
        if disk_full(exc):
            raise _disk_full_error(out, runs, ctx, "while preparing backbones and tokens", exc) from None
        raise
    out.mkdir(parents=True, exist_ok=True)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # one DDP launch: every rank runs the same runs in order
        return _run_in_order(runs, ctx, out, write_results)
    return _run_claimed(runs, ctx, out, write_results)


def _write_results(write_results: Callable[[Path], object], out: Path, runs: list[RunSpec], ctx: RunContext) -> None:
    if is_main_process():
        try:
            write_results(out)
        except OSError as exc:
            if disk_full(exc):
                raise _disk_full_error(out, runs, ctx, "writing results.json", exc) from None
            raise


def _record(result: GridResult, rel: str, status: str, error: str | None) -> None:
    if status == "failed":
        result.failed.append((rel, error or ""))
    else:
        getattr(result, status).append(rel)


def _run_in_order(
    runs: list[RunSpec], ctx: RunContext, out: Path, write_results: Callable[[Path], object]
) -> GridResult:
    result = GridResult()
    for index, run in enumerate(runs):
        ctx.on_progress(f"run {run.rel_dir}", index, len(runs))
        try:
            status, error = run_or_record(run, ctx)
        except DiskFull as full:  # every further run would fail alike: stop with what it takes
            raise _disk_full_error(out, runs[index:], ctx, f"during {run.rel_dir}", full.line) from None
        _record(result, str(run.rel_dir), status, error)
        _write_results(write_results, out, runs[index + 1 :], ctx)
    ctx.on_progress("runs", len(runs), len(runs))
    return result


def _run_claimed(
    runs: list[RunSpec], ctx: RunContext, out: Path, write_results: Callable[[Path], object]
) -> GridResult:
    """Runs claimed one at a time, most expensive first, by as many workers as share RUNS (schedule.drain)."""
    from cls_data.benchmark.claims import Claim, claim_path
    from cls_data.benchmark.schedule import DEFERRED, costed_runs, drain

    by_name = {run.rel_dir.as_posix(): run for run in runs}
    costed = costed_runs(runs, ctx)
    order, shared = [c.rel_dir for c in costed], {c.rel_dir: c.shared[0] for c in costed if c.shared}
    watch = {name: Claim(claim_path(out, name)) for name in set(shared.values())}
    started, result = time.time(), GridResult()
    first_look = {name for name in order if (out / name).exists()}
    for name in first_look:  # made with another preset or dataset version: one line now (runs.run_or_record)
        run_or_record(by_name[name], ctx)

    def settled(name: str) -> str | None:
        if (out / name).exists():
            return "done"
        failed = work_dir(out / name) / FAILED
        return "failed" if failed.exists() and failed.stat().st_mtime >= started - 1 else None

    def work(name: str, claim) -> str:
        if name in shared and not (out / shared[name]).exists() and watch[shared[name]].held_by_other():
            return DEFERRED  # its stage-1 run is being trained by another worker: another run meanwhile
        guarded = dataclasses.replace(ctx, on_progress=lambda *a: (claim.check(), ctx.on_progress(*a)))
        try:
            status, error = run_or_record(by_name[name], guarded)
        except DiskFull as full:
            raise _disk_full_error(
                out, [by_name[n] for n in order if not settled(n)], ctx, f"during {name}", full.line
            ) from None
        _record(result, name, status, error)
        _write_results(write_results, out, runs, ctx)
        return status

    drained = drain(
        order,
        out,
        settled,
        work,
        poll=CLAIM_POLL_SECONDS,
        on_turn=lambda name, done, total: ctx.on_progress(f"run {name}", done, total),
    )
    for name in drained.others:
        if name in first_look:
            result.skipped.append(name)
        elif settled(name) == "done":
            run_or_record(by_name[name], ctx)  # made by another worker: with this grid's preset and data?
            result.by_others.append(name)
        else:
            result.failed.append((name, _failed_line(out / name)))
    _write_results(write_results, out, runs, ctx)  # every run is settled now: the last writer sees them all
    ctx.on_progress("runs", len(runs), len(runs))
    return result


def _failed_line(run_dir: Path) -> str:
    from cls_data.run_folder import read_json

    info = read_json(work_dir(run_dir) / FAILED)
    return (
        f"failed in another worker: {info.get('error', '')}" if isinstance(info, dict) else "failed in another worker"
    )
