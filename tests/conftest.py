"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
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

    from tests.support.cli import run_cli

    def run(*args: str, cwd: str | os.PathLike[str] | None = None, timeout: float = 120, env: dict | None = None):
        return run_cli(*args, cwd=cwd, timeout=timeout, env={"COLUMNS": "120", **(env or {})})

    return run
