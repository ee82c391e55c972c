"""`cls-data benchmark` as a user runs it: help and plan stay light, a smoke grid runs offline end to end."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import run_cli


def cli(*args, env=None, timeout=600):
    """`cls-data ARGS` (tests.support.cli.run_cli); stdout ends with the heavy modules it imported."""
    return run_cli(*map(str, args), env=env, timeout=timeout, report_heavy=True)


def test_benchmark_help_does_not_import_torch():
    done = cli("benchmark", "--help")
    assert "--preset" in done.stdout and "--shard" in done.stdout and "--plan" in done.stdout
    assert done.stdout.strip().endswith("HEAVY:")


def test_plan_lists_the_runs_and_hours_without_importing_torch(tmp_path, dataset_dir):
    done = cli(
        "benchmark",
        "--dataset",
        str(dataset_dir),
        "--variants",
        "all",
        "--weighting",
        "all",
        "--r",
        "2,2.5",
        "--train-sizes",
        "8,16",
        "--preset",
        "fast",
        "--plan",
        "--out",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert (
        "Vi2ZhLow/stage1-translation/n8/seed0" in done.stdout and "Vi2ZhLow/tflcls/tflcls/r2.5/n16/seed0" in done.stdout
    )
    assert "H100-hours" in done.stdout and "train_pairs x epochs" in done.stderr
    assert done.stdout.strip().endswith("HEAVY:")
    assert not list(tmp_path.iterdir())  # nothing was written


def test_an_unknown_variant_is_one_line_naming_the_valid_ones(tmp_path, dataset_dir):
    done = cli("benchmark", "--dataset", str(dataset_dir), "--variants", "mbart", "--plan", "--out", str(tmp_path))
    error = [line for line in done.stderr.splitlines() if line.strip()]
    assert error == [
        "error: unknown variant 'mbart'; choose one of: mbart-cls, tflcls, tflcls-no-tra, tflcls-no-mul, "
        "ncls, ncls-ms, mclas, nguyen-kd, llm-prompt, llm-lora"
    ]


def test_a_smoke_benchmark_runs_offline_on_a_built_dataset_and_writes_results(tmp_path, dataset_dir):
    out = tmp_path / "RUNS"
    args = (
        "benchmark",
        "--dataset",
        str(dataset_dir),
        "--preset",
        "smoke",
        "--variants",
        "mbart-cls",
        "--train-sizes",
        "8",
        "--out",
        str(out),
    )
    done = cli(*args)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "1 runs done" in done.stdout
    # stderr is a pipe here, as in a log: one line per run, and no third-party bars
    assert "run 1/1 Vi2ZhLow/mbart-cls/n8/seed0 · 0s elapsed" in done.stderr and "runs: 1/1 in " in done.stderr
    assert "Writing model shards" not in done.stderr and "it/s]" not in done.stderr
    rows = json.loads((out / "results.json").read_text())
    assert [(row["variant"], row["status"], row["tokenizer"]) for row in rows] == [("mbart-cls", "done", "zh")]
    assert (out / "results.md").exists()
    again = cli(*args)
    assert "0 runs done, 1 already complete (skipped)" in again.stdout


@pytest.mark.slow
def test_smoke_runs_every_variant_and_weighting(tmp_path, dataset_dir):
    out = tmp_path / "RUNS"
    done = cli(
        "benchmark",
        "--dataset",
        str(dataset_dir),
        "--preset",
        "smoke",
        "--weighting",
        "all",
        "--train-sizes",
        "8",
        "--out",
        str(out),
        timeout=3000,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads((out / "results.json").read_text())
    # mbart-cls, tflcls and tflcls-no-tra under the four weightings, tflcls-no-mul, the four baselines, the two LLM
    # variants
    assert len(rows) == 1 + 4 + 4 + 1 + 4 + 2 and {row["status"] for row in rows} == {"done"}
    assert {row["variant"] for row in rows} >= {"llm-prompt", "llm-lora"}


def test_a_backbone_neither_local_nor_cached_offline_is_one_line_before_anything_runs(tmp_path, dataset_dir):
    done = cli(
        "benchmark",
        "--dataset",
        str(dataset_dir),
        "--variants",
        "mbart-cls",
        "--train-sizes",
        "8",
        "--out",
        str(tmp_path / "RUNS"),
        env={"HF_HOME": str(tmp_path / "hf")},
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert (
        done.returncode == 2
        and len(lines) == 1
        and "cannot load the tokenizer of 'facebook/mbart-large-cc25'" in lines[0]
    )
    assert not (tmp_path / "RUNS").exists()
