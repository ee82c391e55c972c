"""One real demo run (and a rerun into the same folder) shared by the demo tests.

The benchmark runs two variants instead of all: mbart-cls and TFLCLS under every weighting and
two values of r still give the report Tables 2 and 3, Figures 4 and 5 and the case study.
"""

from __future__ import annotations

import dataclasses

import pytest

from cls_data.demo import GRID

QUICK_VARIANTS = ("mbart-cls", "tflcls")
QUICK_GRID = dataclasses.replace(GRID, variants=QUICK_VARIANTS)


@pytest.fixture(scope="session")
def demo_runs(tmp_path_factory):
    from cls_data.demo import run_demo

    out = tmp_path_factory.mktemp("demo") / "cls-data-demo"
    events = []
    first = run_demo(out, on_progress=events.append, grid=QUICK_GRID)
    second = run_demo(out, on_progress=events.append, grid=QUICK_GRID)
    return first, second, events
