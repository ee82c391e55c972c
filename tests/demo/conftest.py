"""One real demo run (and a rerun into the same folder) shared by the demo tests: it takes seconds."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def demo_runs(tmp_path_factory):
    from cls_data.demo import run_demo

    out = tmp_path_factory.mktemp("demo") / "cls-data-demo"
    events = []
    first = run_demo(out, on_progress=events.append)
    second = run_demo(out, on_progress=events.append)
    return first, second, events
