"""A new loss weighting is one registration: it trains, `--help` offers it, the report's Table 3 has its row."""

from __future__ import annotations

import importlib
import json

import pytest

pytest.importorskip("torch")

from cls_data.benchmark.config import GridSpec  # noqa: E402
from cls_data.benchmark.context import RunContext  # noqa: E402
from cls_data.benchmark.grid import expand  # noqa: E402
from cls_data.benchmark.registry import WEIGHTINGS  # noqa: E402
from cls_data.benchmark.runs import run_or_record  # noqa: E402
from tests.benchmark.conftest import TINY_PRESET  # noqa: E402
from tests.support.cli import run_cli  # noqa: E402

MODULE = "tests.benchmark.throwaway_weighting"


@pytest.fixture
def half():
    module = importlib.import_module(MODULE)
    if "test-half" not in WEIGHTINGS:
        importlib.reload(module)  # registered again after an earlier test's clean-up
    yield "test-half"
    WEIGHTINGS.unregister("test-half")


def test_a_weighting_registered_in_one_module_trains_and_has_its_row_in_table_3(tmp_path, dataset_dir, half):
    from cls_data.report.writer import write_results

    grid = GridSpec(datasets=(str(dataset_dir),), variants=("tflcls",), weightings=(half, "sum"), train_sizes=(8,))
    runs = expand(grid)
    assert [run.weighting for run in runs] == [half, "sum"]
    ctx = RunContext(out=tmp_path, preset=TINY_PRESET)
    for run in runs:
        assert run_or_record(run, ctx) == ("done", None)
    config = json.loads((tmp_path / runs[0].rel_dir / "config.json").read_text())
    assert config["weighting"] == half
    write_results(tmp_path)
    table3 = (tmp_path / "results.md").read_text().split("Table 3", 1)[1]
    rows = [line for line in table3.splitlines() if line.startswith("|")]
    assert any(line.startswith("| sum ") for line in rows) and any(line.startswith(f"| {half} ") for line in rows)


def test_benchmark_help_offers_a_weighting_registered_by_a_module_loaded_first(half):
    shown = run_cli("benchmark", "--help", preload=[MODULE])
    assert shown.returncode == 0, shown.stderr
    assert f"sum,hu,rhu,tflcls,{half}" in "".join(shown.stdout.split())
