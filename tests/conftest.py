"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"

# The shared fixtures (MT server, fixture sites, corpora) for every test folder.
pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def run_cli():
    """Run the real `cls-data` entry point in a subprocess, as a user would."""

    def run(*args: str, cwd: str | os.PathLike[str] | None = None, timeout: float = 120, env: dict | None = None):
        return subprocess.run(
            [sys.executable, "-c", "from cls_data.cli.app import main; main()", *map(str, args)],
            capture_output=True, text=True, cwd=cwd, timeout=timeout,
            env={**os.environ, "COLUMNS": "120", "HF_HUB_OFFLINE": "1", **(env or {})},
        )

    return run
