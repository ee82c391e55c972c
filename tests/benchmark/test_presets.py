"""Presets keep the paper's science: the default trains the paper's optimisation, the others say they do not."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import tomllib

from cls_data.benchmark.config import GridSpec
from cls_data.benchmark.context import RunContext
from cls_data.benchmark.plan import stage_schedule
from cls_data.benchmark.presets import PAPER, PRESETS
from cls_data.benchmark.registry import get_variant
from tests.cli.test_benchmark_command import cli

ROOT = Path(__file__).resolve().parents[2]
# The paper's stages (docs/paper-fidelity.md): (variant, stage) -> its learning rate; effective batch 16, 10 epochs,
# x0.95 per epoch.
PAPER_STAGES = {
    ("tflcls", "translation"): 5e-5,
    ("tflcls", "joint"): 2.5e-5,
    ("tflcls-no-tra", "joint"): 2.5e-5,
    ("tflcls-no-mul", "cls"): 2.5e-5,
    ("mbart-cls", "cls"): 5e-5,
}
PAPER_STEPS = {1000: 625, 3000: 1875, 5000: 3125}  # 10 epochs at batch 16 (docs/paper-fidelity.md)


def test_the_paper_grid_and_the_default_preset_train_the_papers_optimisation():
    assert (
        tomllib.loads((ROOT / "grids" / "paper.toml").read_text())["preset"]
        == "paper"
        == GridSpec(datasets=("d",)).preset
    )
    assert PAPER.faithful and PAPER.decode.num_beams == 4 and PAPER.decode.no_repeat_ngram_size == 3
    for (variant, stage_name), lr in PAPER_STAGES.items():
        spec = get_variant(variant)
        stage = spec.stage(stage_name)
        cfg = RunContext(out=ROOT, preset=PAPER).train_config(spec, stage)
        assert (cfg.lr, cfg.batch_size * cfg.grad_accum, cfg.token_budget, cfg.epochs) == (lr, 16, None, 10), (
            variant,
            stage_name,
        )
        assert (cfg.schedule, cfg.lr_gamma, cfg.clip_norm, cfg.weighting_lr) == ("epoch-decay", 0.95, 1.0, None)
        assert (cfg.val_subset, cfg.val_every, cfg.max_steps, cfg.max_train_samples) == (None, 1, None, None)
        for n, paper in PAPER_STEPS.items():
            line = stage_schedule(spec, stage, RunContext(out=ROOT, preset=PAPER), n, "datasets/Vi2ZhLow")
            assert abs(line.steps - paper) <= 0.01 * paper and line.pairs_per_step == 16


def test_a_preset_that_changes_the_optimisation_says_so_and_keeps_a_third_of_the_papers_steps():
    changed = [preset for preset in PRESETS.values() if not preset.faithful and not preset.tiny_backbones]
    assert changed, "the fast preset"
    for preset in changed:
        assert "UNVALIDATED" in preset.summary and "opt-in" in preset.summary
        for variant, stage_name in PAPER_STAGES:
            spec = get_variant(variant)
            for n, paper in PAPER_STEPS.items():
                line = stage_schedule(
                    spec, spec.stage(stage_name), RunContext(out=ROOT, preset=preset), n, "datasets/Vi2ZhLow"
                )
                assert line.steps >= paper / 3, (preset.name, variant, stage_name, n, line.steps)


def test_plan_prints_each_stages_steps_the_disk_needed_and_drops_sizes_the_dataset_cannot_supply(tmp_path, dataset_dir):
    done = cli(
        "benchmark",
        "--dataset",
        str(dataset_dir),
        "--variants",
        "tflcls,tflcls-no-mul",
        "--train-sizes",
        "8,5000",
        "--preset",
        "fast",
        "--plan",
        "--out",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "UNVALIDATED" in done.stdout and "n5000" not in done.stdout
    [stage1] = [line for line in lines if line.strip().startswith("stage1-translation") and "n=8 " in line]
    assert "optimizer steps (paper's recipe: 10)" in stage1 and "8 pairs per step" in stage1
    assert any(line.startswith("disk: about ") for line in lines)
    assert "train size 5000 dropped: the dataset has 24 training pairs" in " ".join(done.stderr.split())


def test_paper_code_trains_with_the_numerics_of_the_papers_code(tmp_path):
    ctx = RunContext(out=tmp_path, preset=PAPER, paper_code=True)
    spec = get_variant("tflcls")
    stage1, joint = (ctx.train_config(spec, spec.stage(name)) for name in ("translation", "joint"))
    assert (stage1.batch_size, stage1.grad_accum, joint.batch_size, joint.grad_accum) == (4, 4, 2, 8)
    for cfg in (stage1, joint):
        assert (cfg.precision, cfg.batching, cfg.clip_weighting, cfg.deterministic, cfg.compile) == (
            "fp32",
            "shuffle",
            True,
            True,
            False,
        )
    plain = dataclasses.replace(ctx, paper_code=False).train_config(spec, spec.stage("joint"))
    assert (plain.batch_size, plain.grad_accum, plain.batching, plain.precision) == (16, 1, "length", "auto")


def test_plan_prints_the_per_stage_configuration_a_paper_code_run_records(tmp_path, dataset_dir):
    """--plan and the run read the same final TrainConfigs: the micro-batches and numerics --plan prints for each stage
    are those of the config.json the run writes (`RunPlan.record`), --paper-code's switches included."""
    from cls_data.benchmark.config import SMOKE_BACKBONE, TrainConfig
    from cls_data.benchmark.grid import expand
    from cls_data.benchmark.plan import micro_batches
    from cls_data.benchmark.run_plan import resolve_run

    shown = cli(
        "benchmark",
        "--dataset",
        str(dataset_dir),
        "--variants",
        "tflcls",
        "--train-sizes",
        "8",
        "--paper-code",
        "--plan",
        "--out",
        str(tmp_path),
    )
    assert shown.returncode == 0, shown.stderr
    grid = GridSpec(
        datasets=(str(dataset_dir),), variants=("tflcls",), train_sizes=(8,), paper_code=True, backbone=SMOKE_BACKBONE
    )
    plan = resolve_run(expand(grid)[0], RunContext.from_grid(grid, tmp_path))
    recorded = plan.record()["train"]
    assert set(recorded) == {"translation", "joint"}
    for name, label in (("translation", "stage1-translation"), ("joint", "tflcls: joint")):
        cfg = TrainConfig(**recorded[name])
        assert (cfg.precision, cfg.batching) == ("fp32", "shuffle")
        [line] = [line for line in shown.stdout.splitlines() if line.strip().startswith(label)]
        assert line.endswith(micro_batches(cfg)), (line, micro_batches(cfg))
    assert "4 x 4 pairs, fp32 precision, shuffled batches, deterministic" in shown.stdout


def test_shuffled_batches_are_cut_from_the_shuffled_order_as_it_comes():
    from cls_data.benchmark.config import TrainConfig
    from cls_data.benchmark.data import Encoded, Ragged, length_batches

    rng = np.random.default_rng(0)
    seqs = [list(range(int(n))) for n in rng.integers(1, 300, size=40)]
    encoded = Encoded(
        [str(i) for i in range(40)], Ragged.from_lists(seqs), Ragged.from_lists(seqs), references=[""] * 40
    )
    cfg = TrainConfig(batch_size=4, batching="shuffle")
    batches = length_batches(encoded, cfg, seed=1, epoch=2)
    order = np.random.default_rng([1, 2]).permutation(40)
    assert sorted(map(tuple, batches)) == sorted(tuple(order[i : i + 4]) for i in range(0, 40, 4))
    grouped = length_batches(encoded, dataclasses.replace(cfg, batching="length"), seed=1, epoch=2)
    assert sorted(map(tuple, grouped)) != sorted(map(tuple, batches))


def test_a_paper_code_grid_records_its_numerics_and_is_not_mixed_with_an_engine_grid(
    tmp_path, dataset_dir, monkeypatch
):
    pytest.importorskip("torch")
    import json

    from cls_data.benchmark import presets
    from cls_data.benchmark.grid import run_grid
    from cls_data.errors import ClsDataError
    from tests.benchmark.conftest import TINY_PRESET

    monkeypatch.setitem(presets.PRESETS, "tiny", dataclasses.replace(TINY_PRESET, name="tiny"))
    grid = GridSpec(
        datasets=(str(dataset_dir),), variants=("mbart-cls",), train_sizes=(8,), preset="tiny", paper_code=True
    )
    assert run_grid(grid, tmp_path).done == ["Vi2ZhLow/mbart-cls/n8/seed0"]
    config = json.loads((tmp_path / "Vi2ZhLow/mbart-cls/n8/seed0/config.json").read_text())
    assert (config["paper_code"], config["deterministic"]) == (True, True)
    assert {k: config["train"]["cls"][k] for k in ("precision", "batching", "clip_weighting")} == {
        "precision": "fp32",
        "batching": "shuffle",
        "clip_weighting": True,
    }
    with pytest.raises(ClsDataError, match="made with --paper-code"):
        run_grid(dataclasses.replace(grid, paper_code=False), tmp_path)
