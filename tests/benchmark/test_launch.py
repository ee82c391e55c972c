"""Workers placed by existing engines: `--workers N` processes, a Slurm array (submitit), `--plan`'s wall time."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("torch")
submitit = pytest.importorskip("submitit")

from cls_data.benchmark.config import GridSpec  # noqa: E402
from cls_data.benchmark.slurm import SlurmOptions, submit_workers  # noqa: E402
from cls_data.errors import ClsDataError  # noqa: E402
from tests.cli.test_benchmark_command import cli  # noqa: E402

FAKE_SBATCH = """#!/bin/bash
# A fake sbatch: refuses a script Slurm would refuse or that would not requeue a preempted worker, keeps a copy.
script="${@: -1}"
cp "$script" "$FAKE_SBATCH_COPY"
for line in '#SBATCH --partition=gpu-a100' '#SBATCH --gpus-per-node=2' '#SBATCH --time=90' '#SBATCH --signal=USR2@' \\
            '#SBATCH --array=0-2%3'; do
  grep -q -- "^$line" "$script" || { echo "sbatch: error: the script lacks '$line'" >&2; exit 1; }
done
grep -q '^srun .* -m submitit.core._submit ' "$script" || { echo "sbatch: error: no srun of submitit" >&2; exit 1; }
echo "Submitted batch job 4242"
"""


@pytest.fixture
def fake_slurm(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text(FAKE_SBATCH)
    (bin_dir / "srun").write_text("#!/bin/bash\necho 'srun: only on a compute node' >&2\nexit 1\n")
    for tool in ("sbatch", "srun"):
        (bin_dir / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SBATCH_COPY", str(tmp_path / "submitted.sh"))
    return tmp_path / "submitted.sh"


def test_slurm_workers_are_one_job_array_with_partition_gpus_time_limit_and_the_preemption_signal(tmp_path, fake_slurm):
    grids = [GridSpec(datasets=("datasets/Vi2ZhLow",), preset="smoke")]
    jobs = submit_workers(
        grids,
        tmp_path / "RUNS",
        3,
        SlurmOptions(partition="gpu-a100", gpus_per_worker=2, time_minutes=90, cluster="slurm"),
    )
    assert [job.job_id for job in jobs] == ["4242_0", "4242_1", "4242_2"]
    assert "RUNS/.slurm/" in fake_slurm.read_text()  # logs and pickled workers beside the runs


def test_a_refused_slurm_submission_is_one_line_with_what_sbatch_said(tmp_path, fake_slurm):
    with pytest.raises(
        ClsDataError, match="submitting 3 workers to Slurm failed: .*lacks '#SBATCH --partition=gpu-a100'"
    ):
        submit_workers(
            [GridSpec(datasets=("d",))], tmp_path / "RUNS", 3, SlurmOptions(partition="cpu", cluster="slurm")
        )


@pytest.mark.slow
def test_submitits_local_executor_drains_a_smoke_grid_with_two_workers(tmp_path, dataset_dir):
    out = tmp_path / "RUNS"
    grids = [
        GridSpec(
            datasets=(str(dataset_dir),), variants=("mbart-cls", "tflcls-no-mul"), train_sizes=(8,), preset="smoke"
        )
    ]
    jobs = submit_workers(grids, out, 2, SlurmOptions(gpus_per_worker=0, cluster="local", time_minutes=20))
    results = [job.result() for job in jobs]
    assert sorted(name for result in results for name in result.done) == [
        "Vi2ZhLow/mbart-cls/n8/seed0",
        "Vi2ZhLow/tflcls-no-mul/n8/seed0",
    ]
    assert not any(result.failed for result in results)
    rows = json.loads((out / "results.json").read_text())
    assert {row["status"] for row in rows} == {"done"} and len(rows) == 2


@pytest.mark.slow
def test_workers_2_drains_a_smoke_grid_and_shows_one_display(tmp_path, dataset_dir):
    out = tmp_path / "RUNS"
    done = cli(
        "benchmark",
        "--dataset",
        str(dataset_dir),
        "--preset",
        "smoke",
        "--variants",
        "mbart-cls,tflcls-no-mul",
        "--train-sizes",
        "8",
        "--out",
        str(out),
        "--workers",
        "2",
        env={"CUDA_VISIBLE_DEVICES": ""},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 workers on CPU" in done.stdout and "runs (0 in flight, 0 left)" in done.stderr
    assert sum(f"worker {k} (cpu)" in done.stdout for k in (1, 2)) == 2
    assert sorted(p.name for p in (out / ".workers").iterdir()) == ["worker-1.log", "worker-2.log"]
    assert all(
        (out / "Vi2ZhLow" / rel / "predictions.jsonl").exists()
        for rel in ("mbart-cls/n8/seed0", "tflcls-no-mul/n8/seed0")
    )


def test_plan_prices_the_wall_time_for_the_workers_asked(tmp_path, dataset_dir):
    done = cli(
        "benchmark",
        "--dataset",
        str(dataset_dir),
        "--variants",
        "mbart-cls,tflcls,ncls",
        "--train-sizes",
        "8,16",
        "--preset",
        "fast",
        "--plan",
        "--workers",
        "3",
        "--out",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("wall time"))
    hours = {int(n): float(h) for n, h in __import__("re").findall(r"(\d+) workers? ([\d.]+) h", line)}
    assert set(hours) == {1, 2, 3, 4, 8} and hours[1] >= hours[2] >= hours[3] >= hours[4] >= hours[8]
    assert "3 round-robin --shard K/3" in line and not list(Path(tmp_path).iterdir())
