"""Load a RUNS folder (the benchmark contract, docs/run-folders.md) into typed rows: done, failed, missing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cls_data.errors import ClsDataError
from cls_data.records import numbered_lines
from cls_data.rouge import METRICS

STAGE1 = "stage1-translation"  # shared translation fine-tuning, not a summarizer: kept out of the tables
DEFAULT_WEIGHTING = "tflcls"
DEFAULT_R = 2.0
_SIZE = re.compile(r"^n(\d+)$")
_SEED = re.compile(r"^seed(\d+)$")
_R = re.compile(r"^r(\d+(?:\.\d+)?)$")


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

    @property
    def system(self) -> str:
        """The variant with its weighting and r, spelled like the run folder path: `tflcls/tflcls/r2`."""
        return system_name(self.variant, self.weighting, self.r)

    @property
    def in_domain(self) -> bool:
        return not self.eval_dataset or self.eval_dataset == self.dataset

    def score(self, metric: str) -> float | None:
        return getattr(self, metric)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str) -> "RunRow":
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


def system_name(variant: str, weighting: str | None, r: float | None) -> str:
    parts = [variant]
    if weighting:
        parts.append(weighting)
    if r is not None:
        parts.append(f"r{format_r(r)}")
    return "/".join(parts)


def format_r(r: float) -> str:
    return f"{r:g}"


@dataclass
class RunSet:
    """Every row found under RUNS, with where it came from and what the user should know."""

    root: Path
    rows: list[RunRow]
    notes: list[str] = field(default_factory=list)

    def done(self) -> list[RunRow]:
        return [row for row in self.rows if row.status == "done"]

    def in_domain(self) -> list[RunRow]:
        return [row for row in self.rows if row.in_domain]

    def run_path(self, row: RunRow) -> Path:
        return self.root / (row.run_dir or "")


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
            raise ClsDataError(f"{path}:{line_no}: invalid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(data, dict):
            raise ClsDataError(f"{path}:{line_no}: expected a JSON object, got {type(data).__name__}")
        yield line_no, data


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
        "dataset": parts[0], "variant": parts[1], "weighting": middle[0] if middle else None, "r": r,
        "train_size": int(size.group(1)), "seed": int(seed.group(1)),
    }


def _done_rows(root: Path, run: Path) -> list[RunRow]:
    relative = run.relative_to(root).as_posix()
    metrics = read_json(run / "metrics.json")
    config = read_json(run / "config.json") if (run / "config.json").exists() else {}
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
    }
    if common["dataset"] is None or common["variant"] is None:
        raise ClsDataError(f"{run}: neither config.json nor the folder path names the dataset and variant")
    rows = [RunRow(**common, eval_dataset=common["dataset"], tokenizer=metrics.get("tokenizer"),
                   n_test=metrics.get("n_test"), **{m: test.get(m) for m in METRICS})]
    for other, scores in sorted((metrics.get("eval_on") or {}).items()):
        rows.append(RunRow(**{**common, "decode_seconds": None}, eval_dataset=other, tokenizer=scores.get("tokenizer"),
                           n_test=scores.get("n_test"), **{m: scores.get(m) for m in METRICS}))
    return rows


def _failed_row(root: Path, failed: Path) -> RunRow | None:
    work = failed.parent
    relative = work.relative_to(root).as_posix().removesuffix(".work")
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
    for metrics in sorted(root.rglob("metrics.json")):
        run = metrics.parent
        if run.name.endswith(".work") or any(part.endswith(".work") for part in run.relative_to(root).parts):
            continue
        rows.extend(_done_rows(root, run))
        complete.add(run.relative_to(root).as_posix())
    for failed in sorted(root.rglob("failed.json")):
        row = _failed_row(root, failed)
        if row is not None and row.run_dir not in complete:  # a later retry succeeded
            rows.append(row)
    return rows


def load_runs(runs: str | Path) -> RunSet:
    """Every run under RUNS: the folders scanned, plus rows of results.json whose folder is gone."""
    root = Path(runs)
    if not root.is_dir():
        raise ClsDataError(f"{root}: no such runs folder (give the --out folder of `cls-data benchmark`)")
    rows = scan_runs(root)
    notes: list[str] = []
    results = root / "results.json"
    if results.exists():
        listed = read_json(results)
        if not isinstance(listed, list):
            raise ClsDataError(f"{results}: expected a JSON list of rows")
        seen = {(row.run_dir, row.eval_dataset) for row in rows}
        extra = [RunRow.from_dict(item, f"{results} row {i}") for i, item in enumerate(listed, start=1)]
        extra = [row for row in extra if (row.run_dir, row.eval_dataset) not in seen]
        if extra:
            notes.append(f"{len(extra)} row(s) of results.json have no run folder here; shown from results.json")
        rows.extend(extra)
    if not rows:
        raise ClsDataError(f"{root}: no finished or failed runs found (no metrics.json or failed.json below it)")
    rows = [row for row in rows if row.variant != STAGE1]
    return RunSet(root, sorted(rows, key=_order), notes)


def _order(row: RunRow) -> tuple:
    return (row.dataset, row.eval_dataset, row.variant, row.weighting or "", row.r or 0.0, row.train_size, row.seed or 0)
