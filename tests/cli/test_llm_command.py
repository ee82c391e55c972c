"""The issue's "done when": both LLM variants through `cls-data benchmark --preset smoke` offline, then `cls-data
report`."""

from __future__ import annotations

import json

from tests.cli.test_benchmark_command import cli


def test_a_smoke_benchmark_of_both_llm_variants_runs_offline_and_lands_in_the_report(tmp_path, dataset_dir):
    out = tmp_path / "RUNS"
    done = cli(
        "benchmark",
        "--dataset",
        str(dataset_dir),
        "--preset",
        "smoke",
        "--variants",
        "llm-prompt,llm-lora",
        "--train-sizes",
        "8",
        "--shots",
        "1",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 runs done" in done.stdout and "Warning" not in done.stderr
    rows = json.loads((out / "results.json").read_text())
    assert {(row["variant"], row["status"]) for row in rows} == {("llm-prompt", "done"), ("llm-lora", "done")}
    report = cli("report", "write", str(out), "--no-figures", "--resamples", "100")
    assert report.returncode == 0, report.stderr[-3000:]
    text = (out / "report" / "results.md").read_text()
    assert "| llm-lora † |" in text and "| llm-prompt † |" in text and "| cost |" in text
    assert "llm-prompt" in (out / "report" / "case_study.html").read_text()
