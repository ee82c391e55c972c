"""RUNS/results.json (one row per run and evaluation dataset, docs/run-folders.md) and a first RUNS/results.md.

Rows come from scanning the run folders, not from memory, so shards that share RUNS converge on
the same file whichever writes last.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from cls_data.outputs import write_json_atomic, write_text_atomic

SHARED_STAGES = ("stage1-translation",)  # stage runs reused by variants; not rows of their own
_R_PART = re.compile(r"^r\d")


def _parse_rel(rel: Path) -> dict[str, Any]:
    parts = list(rel.parts)
    seed = int(parts[-1].removesuffix(".work").removeprefix("seed"))
    size = int(parts[-2].removeprefix("n"))
    middle = parts[2:-2]
    r = next((float(p[1:]) for p in middle if _R_PART.match(p)), None)
    weighting = next((p for p in middle if not _R_PART.match(p)), None)
    return {"dataset": parts[0], "variant": parts[1], "weighting": weighting, "r": r, "train_size": size, "seed": seed}


def _row(base: dict, eval_dataset: str, scores: dict | None, metrics: dict, rel: str, error: str | None) -> dict:
    return {**base, "eval_dataset": eval_dataset, "status": "failed" if error else "done", "error": error,
            "rouge1": scores and scores["rouge1"], "rouge2": scores and scores["rouge2"], "rougeL": scores and scores["rougeL"],
            "tokenizer": scores.get("tokenizer", metrics.get("tokenizer")) if scores else None,
            "n_test": scores.get("n_test", metrics.get("n_test")) if scores else None,
            "train_seconds": metrics.get("train_seconds"), "decode_seconds": metrics.get("decode_seconds"),
            "samples_per_s": metrics.get("train_samples_per_s"), "run_dir": rel}


def collect_rows(out: Path) -> list[dict]:
    """One row per (finished run, evaluation dataset) and one per failed run, sorted by run folder."""
    rows = []
    for metrics_file in sorted(out.rglob("metrics.json")):
        run = metrics_file.parent
        rel = run.relative_to(out)
        if rel.parts[0].startswith(".") or len(rel.parts) < 4 or rel.parts[1] in SHARED_STAGES or run.name.endswith(".work"):
            continue
        metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
        config = json.loads((run / "config.json").read_text(encoding="utf-8"))
        base = {k: config.get(k) for k in ("dataset", "variant", "weighting", "r", "train_size", "seed")}
        rows.append(_row(base, base["dataset"], {**metrics["test"], "tokenizer": metrics["tokenizer"], "n_test": metrics["n_test"]},
                         metrics, str(rel), None))
        for name, scores in sorted(metrics.get("eval_on", {}).items()):
            rows.append(_row(base, name, scores, {**metrics, "decode_seconds": None}, str(rel), None))
    for failed_file in sorted(out.rglob("failed.json")):
        work = failed_file.parent
        rel = work.relative_to(out)
        if rel.parts[0].startswith(".") or len(rel.parts) < 4 or (work.with_name(work.name.removesuffix(".work"))).exists():
            continue
        failure = json.loads(failed_file.read_text(encoding="utf-8"))
        base = _parse_rel(rel)
        rows.append(_row(base, base["dataset"], None, {}, str(rel.with_name(rel.name.removesuffix(".work"))), failure["error"]))
    return sorted(rows, key=lambda row: (row["run_dir"], row["eval_dataset"] != row["dataset"], row["eval_dataset"]))


def write_results(out: Path) -> list[dict]:
    """Rewrite RUNS/results.json and RUNS/results.md atomically from the run folders."""
    rows = collect_rows(out)
    write_json_atomic(out / "results.json", rows)
    write_text_atomic(out / "results.md", results_markdown(rows))
    return rows


def results_markdown(rows: list[dict]) -> str:
    """Tables 2 and 3 as the report lays them out (one table builder for both commands)."""
    from cls_data.report.tables import build_results_markdown

    return build_results_markdown(rows)
