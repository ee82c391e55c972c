"""Run folders made by hand (tests/support/fake_runs.py), shared read-only by the report tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from cls_data.report.runs import RunSet, load_runs
from tests.support.fake_runs import make_grid


@pytest.fixture(scope="session")
def grid(tmp_path_factory) -> Path:
    """Two datasets x two sizes x two seeds x eight systems; one failed cell, one missing cell. Do not modify."""
    return make_grid(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="session")
def runs(grid) -> RunSet:
    return load_runs(grid)
