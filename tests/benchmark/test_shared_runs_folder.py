"""Many `cls-data benchmark` processes on one --out, as users start them: identical commands, shards, a killed worker.

Every run is made once, by one worker, and its predictions are byte-identical to those of one serial process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")

from tests.benchmark.test_smoke_real_text import build_news_dataset  # noqa: E402
from tests.support.cli import cli_command, run_cli  # noqa: E402

pytestmark = pytest.mark.slow  # each test runs a smoke grid in two or three processes on a CPU (~1-2 minutes)

GRID = (
    "--preset",
    "smoke",
    "--variants",
    "mbart-cls,tflcls,tflcls-no-mul",
    "--weighting",
    "tflcls",
    "--train-sizes",
    "50",
)
RUNS = [
    "Vi2ZhLow/mbart-cls/n50/seed0",
    "Vi2ZhLow/tflcls/tflcls/r2/n50/seed0",
    "Vi2ZhLow/tflcls-no-mul/n50/seed0",
    "Vi2ZhLow/stage1-translation/n50/seed0",
]
ENV = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "OMP_NUM_THREADS": "1", "CLS_DATA_LEASE_SECONDS": "20"}


@pytest.fixture(scope="module")
def news(tmp_path_factory) -> Path:
    return build_news_dataset(tmp_path_factory.mktemp("news"), train=60, validation=6, test=6, han=800)


@pytest.fixture(scope="module")
def serial(news, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "RUNS"
    done = run_cli("benchmark", "--dataset", str(news), *GRID, "--out", str(out), env=ENV)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def start(news: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        cli_command("benchmark", "--dataset", str(news), *GRID, "--out", str(out), *extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **ENV},
    )


def finish(processes: list[subprocess.Popen]) -> list[tuple[int, str, str]]:
    outputs = [p.communicate(timeout=600) for p in processes]
    return [(p.returncode, *output) for p, output in zip(processes, outputs, strict=True)]


def log_steps(folder: Path) -> list[tuple]:
    return [(r["stage"], r["kind"], r["step"]) for r in map(json.loads, (folder / "train_log.jsonl").open())]


def assert_same_as_serial(out: Path, serial: Path) -> None:
    for rel in RUNS:
        run, reference = out / rel, serial / rel
        assert (run / "metrics.json").exists(), rel
        for predictions in reference.glob("predictions*.jsonl"):
            assert (run / predictions.name).read_bytes() == predictions.read_bytes(), rel
        assert log_steps(run) == log_steps(reference), rel  # one writer: no line twice, none interleaved


def assert_nothing_left(out: Path) -> None:
    left = [
        p
        for p in out.rglob("*")
        if p.name.endswith((".tmp", ".work", ".stale")) or p.name in ("failed.json", "checkpoint.pt")
    ]
    assert not left, left
    assert not list((out / ".claims").rglob("*.claim"))


@pytest.mark.parametrize("how", ["identical", "shards"])
def test_two_commands_at_once_on_one_out_make_every_run_once_as_one_serial_process_would(news, serial, tmp_path, how):
    out = tmp_path / "RUNS"
    extra = [(), ()] if how == "identical" else [("--shard", "1/2"), ("--shard", "2/2")]
    results = finish([start(news, out, *extra[0]), start(news, out, *extra[1])])
    assert [code for code, _, _ in results] == [0, 0], [err[-2000:] for _, _, err in results]
    assert_same_as_serial(out, serial)
    assert_nothing_left(out)
    rows = json.loads((out / "results.json").read_text())
    assert sorted(row["run_dir"] for row in rows) == sorted(RUNS[:3]) and {row["status"] for row in rows} == {"done"}
    again = run_cli("benchmark", "--dataset", str(news), *GRID, "--out", str(out), env=ENV)
    assert again.returncode == 0 and "0 runs done, 3 already complete (skipped)" in again.stdout, again.stdout


def test_a_killed_worker_s_run_is_taken_over_and_resumed_from_its_checkpoint_by_the_others(news, serial, tmp_path):
    out = tmp_path / "RUNS"
    workers = [start(news, out) for _ in range(3)]
    deadline, checkpoint = time.monotonic() + 300, None
    while checkpoint is None and time.monotonic() < deadline:
        checkpoint = next(out.rglob("checkpoint.pt"), None) if out.exists() else None
        time.sleep(0.05)
    assert checkpoint is not None, "no run reached its first checkpoint"
    rel = checkpoint.relative_to(out).as_posix().split(".work/")[0]
    holder = (out / ".claims" / f"{rel.replace('/', '~')}.claim").read_text().split()
    victim = next(p for p in workers if p.pid == int(holder[1]))
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    rest = finish([p for p in workers if p is not victim])
    assert [code for code, _, _ in rest] == [0, 0], [err[-2000:] for _, _, err in rest]
    assert_same_as_serial(out, serial)
    notes = json.loads((out / rel / "metrics.json").read_text())["notes"]
    assert any("resumed from its checkpoint at optimizer step" in note for note in notes), notes
    assert not list(out.rglob("*.work")) and not list(out.rglob("failed.json"))
