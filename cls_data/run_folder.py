"""THE run-folder format (docs/run-folders.md), written by the benchmark and read by the report.

`RUNS/<dataset>/<variant>[/<weighting>][/r<r>]/n<train_size>/seed<k>/` holds `config.json`,
`metrics.json`, `predictions[.<dataset>].jsonl`, `train_log.jsonl` and `model/`. A run works in the
sibling `<run_dir>.work/` (a stage's `done.json` and checkpoints; `failed.json` when it raised) and
is renamed into place when complete. A shared stage-1 run is a run folder of its own with the
variant `stage1-translation`. This module names every path and file of the format, reads and
writes them, and scans a RUNS folder into rows (`scan_runs`, `write_results_json`); workers sharing
RUNS claim runs through `cls_data.benchmark.claims`. It sits at the bottom of the package: no torch, no
benchmark and no report imports.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import platform
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cls_data.errors import ClsDataError
from cls_data.outputs import write_json_atomic, write_text_atomic
from cls_data.records import json_problem, numbered_lines
from cls_data.rouge import METRICS as ROUGE_METRICS

STAGE1 = "stage1-translation"  # the shared translation fine-tuning's variant folder; not a summarizer (no table rows)
CONFIG, METRICS, DONE, FAILED = "config.json", "metrics.json", "done.json", "failed.json"
PREDICTIONS, TRAIN_LOG, MODEL, RESULTS = "predictions.jsonl", "train_log.jsonl", "model", "results.json"
WORK_SUFFIX = ".work"
_SIZE = re.compile(r"^n(\d+)$")
_SEED = re.compile(r"^seed(\d+)$")
_R = re.compile(r"^r(\d+(?:\.\d+)?)$")
# metrics.json's counts of degenerate test outputs: empty, without MCLAS's separator, not in the target language (LLMs)
OUTPUT_COUNTS = ("empty_predictions", "separator_missing", "wrong_language")


# --- paths
def format_r(r: float) -> str:
    """The r of the tflcls weighting as a folder name and label: 2.0 -> "r2", 1.5 -> "r1.5"."""
    return f"r{r:g}"


def rel_dir(dataset: str, variant: str, weighting: str | None, r: float | None, train_size: int, seed: int) -> Path:
    """A run's folder under RUNS: `<dataset>/<variant>[/<weighting>][/r<r>]/n<size>/seed<k>`."""
    parts = [
        dataset,
        variant,
        *([weighting] if weighting else []),
        *([format_r(r)] if r is not None else []),
        f"n{train_size}",
        f"seed{seed}",
    ]
    return Path(*parts)


def shared_rel_dir(dataset: str, shared: str, train_size: int, seed: int) -> Path:
    """The folder of a shared stage (e.g. `stage1-translation`) trained once per dataset, train size and seed."""
    return rel_dir(dataset, shared, None, None, train_size, seed)


def work_dir(run_dir: Path) -> Path:
    """The sibling folder a run works in until it is complete."""
    return run_dir.with_name(run_dir.name + WORK_SUFFIX)


def predictions_path(run_dir: Path, eval_dataset: str | None = None) -> Path:
    """A run's test predictions: `predictions.jsonl`, or `predictions.<dataset>.jsonl` of an --eval-on dataset."""
    return run_dir / (PREDICTIONS if eval_dataset is None else f"predictions.{eval_dataset}.jsonl")


def parse_run_path(relative: str) -> dict[str, Any] | None:
    """`<dataset>/<variant>[/<weighting>][/r<r>]/n<size>/seed<k>` into its fields, None if it is not one."""
    parts = relative.split("/")
    if len(parts) < 4 or len(parts) > 6:
        return None
    size, seed = _SIZE.match(parts[-2]), _SEED.match(parts[-1])
    if not size or not seed:
        return None
    middle = parts[2:-2]
    r = None
    if middle and _R.match(middle[-1]):
        r = float(_R.match(middle[-1]).group(1))
        middle = middle[:-1]
    if len(middle) > 1:
        return None
    return {
        "dataset": parts[0],
        "variant": parts[1],
        "weighting": middle[0] if middle else None,
        "r": r,
        "train_size": int(size.group(1)),
        "seed": int(seed.group(1)),
    }


# --- files
write_json = write_json_atomic


def write_jsonl(path: Path, rows: list[dict]) -> None:
    write_text_atomic(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def read_json(path: Path) -> Any:
    """A JSON file, or one ClsDataError naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ClsDataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ClsDataError(f"{path}: not valid JSON ({exc})") from None


def read_json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of a JSONL file; a bad line stops with file and line."""
    for line_no, line in numbered_lines(path):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ClsDataError(f"{path}:{line_no}: invalid JSON ({json_problem(exc)})") from None
        if not isinstance(data, dict):
            raise ClsDataError(f"{path}:{line_no}: expected a JSON object, got {type(data).__name__}")
        yield line_no, data


def write_config(folder: Path, config: dict) -> None:
    write_json(folder / CONFIG, config)


def read_config(folder: Path) -> dict:
    return read_json(folder / CONFIG)


def write_metrics(folder: Path, metrics: dict) -> None:
    write_json(folder / METRICS, metrics)


def read_metrics(folder: Path) -> dict:
    return read_json(folder / METRICS)


def write_done(stage_dir: Path, result: dict) -> None:
    """A finished stage's result (`train.StageResult` as a dict), so a resumed run does not redo it."""
    write_json(stage_dir / DONE, result)


def read_done(stage_dir: Path) -> dict | None:
    return read_json(stage_dir / DONE) if (stage_dir / DONE).exists() else None


def write_failed(work: Path, error: str, traceback_text: str, **extra: object) -> None:
    """failed.json: the error line, its traceback, the time, and what the error knows (a non-finite loss: stage, step,
    lr)."""
    work.mkdir(parents=True, exist_ok=True)
    write_json(
        work / FAILED,
        {
            "error": error,
            "traceback": traceback_text,
            "time": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            **extra,
        },
    )


def versions() -> dict[str, str]:
    import importlib.metadata as md

    found = {"python": platform.python_version()}
    for name in ("cls-data", "torch", "transformers", "accelerate", "datasets", "tokenizers"):
        try:
            found[name.replace("-", "_")] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return found


def concat_logs(folders: list[Path], target: Path) -> None:
    with target.open("w", encoding="utf-8") as out:
        for folder in folders:
            log = folder / "train_log.jsonl"
            if log.exists():
                out.write(log.read_text(encoding="utf-8"))


# --- scanning a RUNS folder
@dataclass(frozen=True)
class RunRow:
    """One (run, evaluation dataset): a finished run's scores, a failed run's error, or a gap in the grid."""

    dataset: str
    variant: str
    train_size: int
    seed: int | None
    status: str  # "done" | "failed" | "missing"
    eval_dataset: str = ""
    weighting: str | None = None
    r: float | None = None
    error: str | None = None
    rouge1: float | None = None  # F1 in [0, 1], as in metrics.json
    rouge2: float | None = None
    rougeL: float | None = None
    tokenizer: str | None = None
    n_test: int | None = None
    train_seconds: float | None = None
    decode_seconds: float | None = None
    samples_per_s: float | None = None
    run_dir: str | None = None  # relative to RUNS
    val_rouge2: float | None = None  # validation ROUGE-2 of the best epoch, in [0, 1]: what a choice may look at
    preset: str | None = None  # config.json's recipe name
    preset_faithful: bool | None = None  # config.json's word; None = faithful only if the preset is `paper`
    # the preset is the paper's optimisation (or validated against it); runs before this field: preset_faithful
    preset_validated: bool | None = None
    preset_status: str | None = None  # `preset_status()`: "faithful" | "no paper recipe" | "unvalidated"
    test_weights: str | None = None  # config.json's: "best" (validation ROUGE-2) or "last" epoch's weights tested
    paper_rouge: dict | None = None  # metrics.json's scores in the paper's ROUGE unit (paper_rouge.py), with its unit
    empty_predictions: int | None = None  # OUTPUT_COUNTS of the test outputs; None where metrics.json has no such count
    separator_missing: int | None = None
    wrong_language: int | None = None

    @property
    def system(self) -> str:
        """The variant with its weighting and r, spelled like the run folder path: `tflcls/tflcls/r2`."""
        return system_name(self.variant, self.weighting, self.r)

    @property
    def faithful(self) -> bool | None:
        """Whether the run's recipe is the paper's optimisation (None: no preset recorded)."""
        if self.preset_faithful is not None:
            return bool(self.preset_faithful)
        return None if self.preset is None else self.preset == "paper"

    @property
    def validated(self) -> bool | None:
        """Whether the preset trains the paper's optimisation (None: no preset recorded)."""
        if self.preset_validated is not None:
            return bool(self.preset_validated)
        return self.faithful  # before `preset_validated`, `preset_faithful` said this of the preset

    @property
    def in_domain(self) -> bool:
        return not self.eval_dataset or self.eval_dataset == self.dataset

    def score(self, metric: str) -> float | None:
        return getattr(self, metric)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str) -> RunRow:
        """A `results.json` row; unknown keys are ignored so a newer engine stays readable."""
        try:
            values = {name: data.get(name) for name in cls.__dataclass_fields__ if name in data}
            values["train_size"] = int(data["train_size"])
            values["seed"] = None if data.get("seed") is None else int(data["seed"])
            values["r"] = None if data.get("r") is None else float(data["r"])
            values["eval_dataset"] = data.get("eval_dataset") or data["dataset"]
            return cls(**values)
        except (KeyError, TypeError, ValueError) as exc:
            raise ClsDataError(f"{where}: not a results row ({type(exc).__name__}: {exc})") from None


def preset_status(validated: bool | None, faithful: bool | None) -> str | None:
    """A run's recipe in one word: the paper's ("faithful"), a faithful preset on a system the paper gives no
    recipe for ("no paper recipe"), or a preset that changes the optimisation ("unvalidated"); None: not recorded."""
    if validated is None:
        return None
    if not validated:
        return "unvalidated"
    return "faithful" if faithful else "no paper recipe"


def system_name(variant: str, weighting: str | None, r: float | None) -> str:
    """A system spelled like its folder path under the dataset: `tflcls/tflcls/r2`."""
    return "/".join([variant, *([weighting] if weighting else []), *([format_r(r)] if r is not None else [])])


def _done_rows(root: Path, run: Path) -> list[RunRow]:
    relative = run.relative_to(root).as_posix()
    metrics = read_json(run / METRICS)
    config = read_json(run / CONFIG) if (run / CONFIG).exists() else {}
    where = parse_run_path(relative) or {}
    test = metrics.get("test") or {}
    common = {
        "dataset": config.get("dataset", where.get("dataset")),
        "variant": config.get("variant", where.get("variant")),
        "weighting": config.get("weighting", where.get("weighting")),
        "r": config.get("r", where.get("r")),
        "train_size": int(config.get("train_size", where.get("train_size", 0))),
        "seed": config.get("seed", where.get("seed")),
        "status": "done",
        "train_seconds": metrics.get("train_seconds"),
        "decode_seconds": metrics.get("decode_seconds"),
        "samples_per_s": metrics.get("train_samples_per_s"),
        "run_dir": relative,
        "val_rouge2": best_validation_rouge2(metrics),
        "preset": config.get("preset"),
        "preset_faithful": config.get("preset_faithful"),
        "preset_validated": config.get("preset_validated", config.get("preset_faithful")),
        "test_weights": config.get("test_weights", "best" if config else None),
    }
    common["preset_status"] = preset_status(common["preset_validated"], common["preset_faithful"])
    if common["dataset"] is None or common["variant"] is None:
        raise ClsDataError(f"{run}: neither config.json nor the folder path names the dataset and variant")
    rows = [
        RunRow(
            **common,
            eval_dataset=common["dataset"],
            tokenizer=metrics.get("tokenizer"),
            paper_rouge=metrics.get("paper_rouge"),
            n_test=metrics.get("n_test"),
            **{m: test.get(m) for m in ROUGE_METRICS},
            **{count: metrics.get(count) for count in OUTPUT_COUNTS},
        )
    ]
    for other, scores in sorted((metrics.get("eval_on") or {}).items()):
        rows.append(
            RunRow(
                **{**common, "decode_seconds": None},
                eval_dataset=other,
                tokenizer=scores.get("tokenizer"),
                n_test=scores.get("n_test"),
                **{m: scores.get(m) for m in ROUGE_METRICS},
                **{count: scores.get(count) for count in OUTPUT_COUNTS},
            )
        )
    return rows


def best_validation_rouge2(metrics: dict[str, Any]) -> float | None:
    """The best epoch's validation ROUGE-2: metrics.json's `validation` (this engine) or `best_val_rouge2` (every
    run)."""
    validation = metrics.get("validation")
    if isinstance(validation, dict) and validation.get("rouge2") is not None:
        return float(validation["rouge2"])
    return None if metrics.get("best_val_rouge2") is None else float(metrics["best_val_rouge2"])


def finished_rows(run: Path) -> list[RunRow]:
    """The rows of one finished run folder wherever it lies: its own test set, then each --eval-on dataset."""
    return _done_rows(run.parent, run)


def _failed_row(root: Path, failed: Path) -> RunRow | None:
    work = failed.parent
    relative = work.relative_to(root).as_posix().removesuffix(WORK_SUFFIX)
    where = parse_run_path(relative)
    if where is None:
        return None
    info = read_json(failed)
    error = str(info.get("error") or "failed (no message)").splitlines()[0] if isinstance(info, dict) else "failed"
    return RunRow(**where, status="failed", eval_dataset=where["dataset"], error=error, run_dir=relative)


def scan_runs(root: Path) -> list[RunRow]:
    """Rows from the run folders themselves: the truth, even when results.json lags behind."""
    rows: list[RunRow] = []
    complete: set[str] = set()
    found: dict[str, list[Path]] = {METRICS: [], FAILED: []}
    for path in root.rglob("*.json"):  # one walk of RUNS (model/ and checkpoint folders are large) for both names
        if path.name in found:
            found[path.name].append(path)
    for metrics in sorted(found[METRICS]):
        run = metrics.parent
        if run.name.endswith(WORK_SUFFIX) or any(part.endswith(WORK_SUFFIX) for part in run.relative_to(root).parts):
            continue
        rows.extend(_done_rows(root, run))
        complete.add(run.relative_to(root).as_posix())
    for failed in sorted(found[FAILED]):
        row = _failed_row(root, failed)
        if row is not None and row.run_dir not in complete:  # a later retry succeeded
            rows.append(row)
    return rows


def collect_rows(out: Path) -> list[dict]:
    """results.json's rows: one per (finished run, evaluation dataset) and one per failed run, by run folder;
    shared stage-1 runs are steps of other runs, not rows of their own."""
    rows = [dataclasses.asdict(row) for row in scan_runs(out) if row.variant != STAGE1]
    return sorted(rows, key=lambda row: (row["run_dir"], row["eval_dataset"] != row["dataset"], row["eval_dataset"]))


def write_results_json(out: Path) -> list[dict]:
    """Rewrite RUNS/results.json atomically from the run folders (shards sharing RUNS converge on one file)."""
    rows = collect_rows(out)
    write_json(out / RESULTS, rows)
    return rows
