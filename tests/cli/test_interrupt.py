"""Ctrl-C in `benchmark` and `demo`: one `error:` line saying what is kept and the command that resumes, exit 130."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.cli import OFFLINE, cli_command

ENV = {**os.environ, **OFFLINE, "COLUMNS": "200"}


def interrupt_when(args: list[str], ready, timeout: float = 120) -> tuple[int, str]:
    """Start the command, press Ctrl-C (SIGINT) once `ready()` holds; (exit status, stderr)."""
    process = subprocess.Popen(cli_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    deadline = time.monotonic() + timeout
    while not ready() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if process.poll() is not None:
        pytest.fail(f"the command ended before it could be interrupted: {process.communicate()[1][-2000:]}")
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr


def last_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr[-3000:]
    return [line for line in stderr.splitlines() if line.strip()][-1]


def test_ctrl_c_in_benchmark_says_what_is_kept_and_how_to_resume(tmp_path, dataset_dir):
    out = tmp_path / "RUNS"
    args = [
        "benchmark",
        "--dataset",
        str(dataset_dir),
        "--preset",
        "smoke",
        "--variants",
        "mbart-cls,tflcls",
        "--train-sizes",
        "8",
        "--out",
        str(out),
    ]
    status, stderr = interrupt_when(args, lambda: any(out.rglob("seed0.work")))  # a run is training
    assert status == 130
    assert last_line(stderr) == (
        f"error: interrupted; finished runs are kept in {out} and the interrupted one resumes "
        f"from its last checkpoint; resume with: cls-data {' '.join(args)}"
    )


@pytest.mark.slow
def test_ctrl_c_in_the_demo_says_what_is_kept_and_how_to_resume(tmp_path):
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--variants", "mbart-cls"]
    status, stderr = interrupt_when(args, lambda: Path(out / "articles.summary.json").exists())  # after the crawl
    assert status == 130
    assert last_line(stderr) == (
        f"error: interrupted; what is finished is kept in {out} and reused; resume with: cls-data {' '.join(args)}"
    )
