"""The four baselines through the registry and the engine's runner: recipes, run folders, MCLAS's separator fields."""

from __future__ import annotations

import json

import pytest

from cls_data.benchmark.config import PRESETS
from cls_data.benchmark.registry import get_variant, variant_names

BASELINES = ("ncls", "ncls-ms", "mclas", "nguyen-kd")


def test_the_four_baselines_are_registered_next_to_the_mbart_family():
    names = variant_names()
    assert set(BASELINES) <= set(names) and "tflcls" in names


def test_each_baseline_has_its_original_optimiser_in_paper_and_fast_and_the_tiny_recipe_in_smoke():
    for name in ("ncls", "ncls-ms"):
        stage = get_variant(name).stages[-1]
        paper, fast, smoke = (stage.train_config(PRESETS[p]) for p in ("paper", "fast", "smoke"))
        assert (paper.adam_betas, paper.adam_eps, paper.schedule, paper.token_budget) == ((0.9, 0.998), 1e-9, "inverse-sqrt", 4096)
        assert (fast.schedule, fast.token_budget, fast.val_subset) == ("inverse-sqrt", 16384, 500)
        assert (smoke.adam_eps, smoke.max_steps) == (1e-9, PRESETS["smoke"].stage1.max_steps)
    for name in ("mclas", "nguyen-kd"):
        for stage in get_variant(name).stages:
            paper, smoke = stage.train_config(PRESETS["paper"]), stage.train_config(PRESETS["smoke"])
            assert (paper.src_max_len, paper.schedule, paper.lr) == (512, "inverse-sqrt", 2e-3)
            assert smoke == PRESETS["smoke"].recipe(stage.recipe)


def test_stage_layout_of_each_baseline():
    assert [(s.name, s.target, s.mono_target, s.init_from) for s in get_variant("mclas").stages] == [
        ("mono", "summary", None, None), ("sequential", "cls_summary", "summary", "mono")]
    assert [(s.name, s.target, s.mono_target, s.init_from) for s in get_variant("nguyen-kd").stages] == [
        ("teacher", "summary", None, None), ("student", "cls_summary", "summary", "teacher")]
    assert dict(get_variant("nguyen-kd").stage("student").loss_coefficients) == {"cls": 1.0, "ot": 0.1}
    assert get_variant("ncls-ms").stages[0].mono_target == "summary"


torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def runs(dataset_dir, tmp_path_factory):
    from tests.benchmark.conftest import TINY_PRESET
    from cls_data.benchmark.runs import RunContext

    return RunContext(out=tmp_path_factory.mktemp("RUNS"), preset=TINY_PRESET)


def _run(runs, dataset_dir, variant):
    from cls_data.benchmark.runs import RunSpec, execute_run

    spec = RunSpec(dataset=str(dataset_dir), dataset_name=dataset_dir.name, variant=variant, weighting=None, r=None,
                   train_size=8, seed=0)
    return execute_run(spec, runs)


@pytest.mark.parametrize("variant", BASELINES)
def test_each_baseline_trains_a_few_steps_and_decodes_into_a_run_folder(runs, dataset_dir, variant):
    run_dir = _run(runs, dataset_dir, variant)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    rows = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines()]
    log = [json.loads(line) for line in (run_dir / "train_log.jsonl").read_text().splitlines()]
    assert metrics["n_test"] == len(rows) == 3 and metrics["tokenizer"] == "zh"
    assert set(metrics["test"]) == {"rouge1", "rouge2", "rougeL"}
    stages = [s.name for s in get_variant(variant).stages]
    assert sorted({line["stage"] for line in log}) == sorted(stages)
    losses = {k for line in log if line["stage"] == stages[-1] for k in line["losses"]}
    expected = {"ncls": {"cls"}, "ncls-ms": {"cls", "mls"}, "mclas": {"cls"}, "nguyen-kd": {"cls", "ot"}}[variant]
    assert losses == expected | {"total"}
    assert json.loads((run_dir / "config.json").read_text())["variant"] == variant
    assert (run_dir / "model").is_dir()
    if variant == "mclas":
        assert all({"raw_prediction", "separator_found"} <= set(row) for row in rows)
        assert metrics["separator_missing"] == sum(not row["separator_found"] for row in rows)
        assert all(row["prediction"] == "" for row in rows if not row["separator_found"])
        assert metrics["empty_predictions"] >= metrics["separator_missing"]
    else:
        assert "separator_missing" not in metrics


def test_the_ncls_vocabulary_is_trained_on_the_runs_own_training_split(runs, dataset):
    from cls_data.benchmark.config import PRESETS as P
    from cls_data.benchmark.runs import RunContext, backbone_for

    paper = RunContext(out=runs.out, preset=P["paper"])
    spec = get_variant("ncls")
    folder = backbone_for(spec, paper, dataset, 8)
    assert folder.endswith("-n8") and backbone_for(spec, paper, dataset, 16).endswith("-n16")
    config = json.loads(open(f"{folder}/config.json").read())
    assert (config["d_model"], config["encoder_layers"]) == (512, 6)
    from transformers import AutoTokenizer

    vocab = AutoTokenizer.from_pretrained(folder).get_vocab()
    train_8 = "".join(dataset.split("train_8")["cls_summary"])
    assert all(ch in vocab for ch in set(train_8) if "\u4e00" <= ch <= "\u9fff")
    assert get_variant("mclas").default_backbone == backbone_for(get_variant("mclas"), paper, dataset, 8)
