"""A new variant is one file plus one registration: a throwaway family registered from a test module runs end to end."""

from __future__ import annotations

import importlib
import json

import pytest

pytest.importorskip("torch")

from cls_data.benchmark import registry  # noqa: E402
from cls_data.benchmark.context import RunContext, RunSpec  # noqa: E402
from cls_data.benchmark.runs import run_or_record  # noqa: E402
from tests.benchmark.conftest import TINY_PRESET  # noqa: E402
from tests.support.cli import run_cli  # noqa: E402

MODULE = "tests.benchmark.throwaway_family"


@pytest.fixture
def throwaway():
    module = importlib.import_module(MODULE)
    if "test-throwaway" not in registry.variant_names():
        importlib.reload(module)  # registered again after an earlier test's clean-up
    yield registry.resolve_variant("test-throwaway")
    registry.unregister_variant("test-throwaway")
    registry.FAMILIES.unregister("throwaway")


def test_a_variant_defined_in_one_module_trains_decodes_and_writes_its_run_folder(tmp_path, dataset_dir, throwaway):
    assert throwaway.builders["summarize"].__module__ == "tests.benchmark.throwaway_family"
    ctx = RunContext(out=tmp_path, preset=TINY_PRESET)
    run = RunSpec(str(dataset_dir), "Vi2ZhLow", "test-throwaway", None, None, 8, 0)
    assert run_or_record(run, ctx) == ("done", None)
    folder = tmp_path / run.rel_dir
    metrics = json.loads((folder / "metrics.json").read_text())
    assert set(metrics["test"]) == {"rouge1", "rouge2", "rougeL"} and metrics["n_test"] == TINY_PRESET.max_test_samples
    assert json.loads((folder / "config.json").read_text())["model"]["spec"]["family"] == "throwaway"
    assert (folder / "model" / "model.safetensors").exists() and (folder / "predictions.jsonl").exists()


def test_plan_prices_a_family_from_the_facts_its_own_module_registers(tmp_path, dataset_dir):
    shown = run_cli(
        "benchmark",
        "--dataset",
        dataset_dir,
        "--variants",
        "test-throwaway",
        "--train-sizes",
        "8",
        "--plan",
        "--out",
        tmp_path,
        preload=[MODULE],
    )
    assert shown.returncode == 0, shown.stderr
    # one run at the paper preset: 4 bytes x 7M parameters kept, 8 x that while it trains
    assert "disk: about 252.0 MB" in shown.stdout and "(28.0 MB of best weights kept" in shown.stdout
    assert "test-throwaway: summarize" in shown.stdout
