"""--plan: the cost formula, shared stage-1 runs counted once, finished runs free."""

from __future__ import annotations

import math

import pytest

from cls_data.benchmark.context import RunContext, RunSpec
from cls_data.benchmark.plan import plan
from cls_data.benchmark.presets import FAST, PAPER


def run(dataset_dir, variant, weighting=None, r=None, size=1000):
    return RunSpec(str(dataset_dir), "Vi2ZhLow", variant, weighting, r, size, 0)


def test_one_run_costs_training_plus_validation_plus_test_decoding(dataset_dir, tmp_path):
    [item] = plan([run(dataset_dir, "mbart-cls")], RunContext(out=tmp_path, preset=FAST))
    # fast: 10 epochs, validation every 2 epochs on min(500, 6) pairs; the fixture's test split has 6 pairs
    expected = (1000 * 10 / FAST.train_rate + math.ceil(10 / 2) * 6 / FAST.decode_rate + 6 / FAST.decode_rate) / 3600
    assert item.status == "todo" and item.hours == pytest.approx(expected)


def test_stage_one_is_counted_once_and_finished_runs_cost_nothing(dataset_dir, tmp_path):
    runs = [
        run(dataset_dir, "tflcls", "tflcls", 2.0),
        run(dataset_dir, "tflcls", "hu"),
        run(dataset_dir, "tflcls-no-mul"),
    ]
    (tmp_path / "Vi2ZhLow" / "tflcls" / "hu" / "n1000" / "seed0").mkdir(parents=True)
    planned = {item.run_dir: item for item in plan(runs, RunContext(out=tmp_path, preset=PAPER))}
    assert [d for d in planned if "stage1" in d] == ["Vi2ZhLow/stage1-translation/n1000/seed0"]
    assert (
        planned["Vi2ZhLow/tflcls/hu/n1000/seed0"].hours == 0
        and planned["Vi2ZhLow/tflcls/hu/n1000/seed0"].status == "done"
    )
    joint, single = (
        planned["Vi2ZhLow/tflcls/tflcls/r2/n1000/seed0"].hours,
        planned["Vi2ZhLow/tflcls-no-mul/n1000/seed0"].hours,
    )
    assert (
        joint > single > planned["Vi2ZhLow/stage1-translation/n1000/seed0"].hours
    )  # two decoders > one > summary sources
