"""Runs that survive faults: a damaged dataset file, a non-finite loss, a full disk, kills while writing."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import pathlib
import shutil
import subprocess

import pytest

torch = pytest.importorskip("torch")

from cls_data.benchmark import presets as presets_module  # noqa: E402
from cls_data.benchmark import registry  # noqa: E402
from cls_data.benchmark.config import GridSpec, TrainConfig  # noqa: E402
from cls_data.benchmark.grid import run_grid  # noqa: E402
from cls_data.errors import ClsDataError  # noqa: E402
from tests.benchmark.conftest import TINY_PRESET  # noqa: E402
from tests.benchmark.test_train import make_job  # noqa: E402

TINY = dataclasses.replace(TINY_PRESET, name="tiny")


@pytest.fixture
def tiny_preset(monkeypatch):
    monkeypatch.setitem(presets_module.PRESETS, "tiny", TINY)
    return "tiny"


# --- a damaged dataset file
def test_a_truncated_parquet_file_is_one_line_naming_it(tmp_path, dataset_dir):
    from cls_data.benchmark.data import open_dataset

    copy = shutil.copytree(dataset_dir, tmp_path / "Vi2ZhLow")
    [damaged] = sorted((copy / "data").glob("test-*.parquet"))
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    with pytest.raises(ClsDataError) as caught:
        open_dataset(copy)
    message = str(caught.value)
    assert "\n" not in message and str(damaged) in message and "truncated or damaged" in message


# --- a non-finite loss
def build_nan_on_second_step(ctx):
    """mbart-cls whose loss turns NaN on its second forward pass (a diverging run)."""
    from cls_data.benchmark.families.mbart import build_mbart_cls

    model = build_mbart_cls(ctx)
    forward, calls = model.forward, [0]

    def diverging(batch):
        calls[0] += 1
        losses = forward(batch)
        return {k: v * float("nan") for k, v in losses.items()} if calls[0] == 2 else losses

    model.forward = diverging
    return model


@pytest.fixture
def nan_variant():
    def factory():
        base = registry.get_variant("mbart-cls")
        stage = dataclasses.replace(base.stages[0], builder="tests.benchmark.test_faults:build_nan_on_second_step")
        return base.derive("test-nan", stages=(stage,))

    registry.register_variant("test-nan")(factory)
    yield
    registry.unregister_variant("test-nan")


def test_a_non_finite_loss_fails_the_run_naming_step_and_lr_and_the_grid_goes_on(
    tmp_path, dataset_dir, tiny_preset, nan_variant
):
    grid = GridSpec(
        datasets=(str(dataset_dir),), variants=("test-nan", "mbart-cls"), train_sizes=(8,), preset=tiny_preset
    )
    result = run_grid(grid, tmp_path)
    assert result.done == ["Vi2ZhLow/mbart-cls/n8/seed0"]
    [(run_dir, error)] = result.failed
    assert run_dir == "Vi2ZhLow/test-nan/n8/seed0" and "step 2" in error and "lr 0.003" in error
    failed = json.loads((tmp_path / "Vi2ZhLow/test-nan/n8/seed0.work/failed.json").read_text())
    assert (failed["step"], failed["lr"], failed["stage"]) == (2, 0.003, "cls")
    checkpoint = tmp_path / "Vi2ZhLow/test-nan/n8/seed0.work/cls/checkpoint.pt"
    assert not checkpoint.exists() or all(torch.isfinite(v).all() for v in torch.load(checkpoint)["objective"].values())


# --- a full disk (a real one: a small tmpfs; needs root, as on the CI machine)
@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "small-disk"
    mount.mkdir()
    size = "1200k"
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the full-disk test needs root")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_stops_the_grid_with_one_line_and_the_space_needed(small_disk, dataset_dir, tiny_preset):
    grid = GridSpec(
        datasets=(str(dataset_dir),), variants=("mbart-cls", "tflcls-no-tra"), train_sizes=(8,), preset=tiny_preset
    )
    with pytest.raises(ClsDataError) as caught:
        run_grid(grid, small_disk)
    message = str(caught.value)
    assert "\n" not in message and "disk full" in message and "free" in message and "need about" in message
    tried = [v for v in ("mbart-cls", "tflcls-no-tra") if (small_disk / "Vi2ZhLow" / v).exists()]
    assert tried == ["tflcls-no-tra"]  # the most expensive run first; the grid stopped: no second run was tried


# --- kills while writing the best weights, the checkpoint, done.json
class Killed(Exception):
    pass


CFG = TrainConfig(
    lr=1e-3,
    batch_size=4,
    grad_accum=2,
    epochs=3,
    schedule="constant",
    val_subset=2,
    src_max_len=64,
    tgt_max_len=32,
    log_every=1,
)


def scripted_scores(monkeypatch, scores):
    """Validation ROUGE-2 by epoch from a list (the decoder's real scores on a tiny model are all 0)."""
    from cls_data.benchmark import scoring
    from cls_data.benchmark import train as train_module

    real, calls = scoring.score_split, []

    def score(*args, **kwargs):
        scored = real(*args, **kwargs)
        value = scores[len(calls)]
        calls.append(value)
        scored.rouge = {"rouge1": value, "rouge2": value, "rougeL": value}
        return scored

    monkeypatch.setattr(train_module, "score_split", score)
    return calls


def weights(folder):
    from safetensors.torch import load_file

    return load_file(pathlib.Path(folder) / "model.safetensors")


def same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_a_kill_while_a_new_best_is_put_in_place_leaves_the_previous_best(
    dataset, codec, backbone, tmp_path, monkeypatch
):
    scripted_scores(monkeypatch, [0.1, 0.2, 0.3])
    job, _ = make_job("mbart-cls", "cls", backbone, codec, dataset, CFG, tmp_path / "work")
    real_replace, armed, first_best = os.replace, [False], {}

    def progress(phase, done, total):
        if phase.startswith("validate") and not armed[0] and (tmp_path / "work" / "best").exists():
            first_best.update(weights(tmp_path / "work" / "best"))
            armed[0] = True  # epoch 2's new best is about to be put in place

    def replace(src, dst):
        if armed[0] and pathlib.Path(dst).name.startswith("best"):
            raise Killed
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(Killed):
        from cls_data.benchmark.train import train_stage

        train_stage(job, progress)
    monkeypatch.setattr(os, "replace", real_replace)
    assert (tmp_path / "work" / "best").exists() and same(weights(tmp_path / "work" / "best"), first_best)


def test_the_best_score_and_its_weights_are_saved_together(dataset, codec, backbone, tmp_path, monkeypatch):
    """Killed after a new best is in place but before the checkpoint: on resume, the epoch is trained again; when
    it validates lower this time (no --deterministic on a GPU), the result must still name the weights it keeps."""
    from cls_data.benchmark import train as train_module

    calls = scripted_scores(monkeypatch, [0.1, 0.2])
    job, _ = make_job("mbart-cls", "cls", backbone, codec, dataset, CFG, tmp_path / "work")
    real_save, first_best = torch.save, {}

    def save(obj, target, *args, **kwargs):
        if len(calls) == 2:  # the checkpoint after epoch 2's validation (a new best)
            raise Killed
        if len(calls) == 1 and not first_best:
            first_best.update(weights(train_module.Path(tmp_path / "work" / "best")))
        return real_save(obj, target, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save)
    with pytest.raises(Killed):
        train_module.train_stage(job)
    monkeypatch.setattr(torch, "save", real_save)
    scripted_scores(monkeypatch, [0.05, 0.05])  # epochs 2 and 3 validate lower than epoch 1 on the rerun
    job, _ = make_job("mbart-cls", "cls", backbone, codec, dataset, CFG, tmp_path / "work")
    result = train_module.train_stage(job)
    assert (result.best_epoch, result.best_val["rouge2"]) == (0, 0.1)
    assert same(weights(result.best_dir), first_best)


def test_a_kill_while_done_json_is_written_leaves_a_stage_that_finishes_on_rerun(
    dataset, codec, backbone, tmp_path, monkeypatch
):
    from cls_data.benchmark.train import train_stage

    cfg = dataclasses.replace(CFG, epochs=1, max_steps=1)
    job, _ = make_job("mbart-cls", "cls", backbone, codec, dataset, cfg, tmp_path / "work")
    real_write = pathlib.Path.write_text

    def torn(self, text, *args, **kwargs):
        if self.name.startswith("done.json"):
            real_write(self, text[: len(text) // 2], *args, **kwargs)
            raise Killed
        return real_write(self, text, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", torn)
    with pytest.raises(Killed):
        train_stage(job)
    monkeypatch.setattr(pathlib.Path, "write_text", real_write)
    job, _ = make_job("mbart-cls", "cls", backbone, codec, dataset, cfg, tmp_path / "work")
    result = train_stage(job)
    assert result.steps == 1 and json.loads((tmp_path / "work" / "done.json").read_text())["steps"] == 1


def test_deterministic_turns_on_deterministic_algorithms_for_the_stage_only(dataset, codec, backbone, tmp_path):
    from cls_data.benchmark.train import train_stage

    cfg = dataclasses.replace(CFG, epochs=1, max_steps=1, deterministic=True)
    job, _ = make_job("mbart-cls", "cls", backbone, codec, dataset, cfg, tmp_path / "work")
    seen = []
    train_stage(job, lambda phase, done, total: seen.append(torch.are_deterministic_algorithms_enabled()))
    assert seen and all(seen) and not torch.are_deterministic_algorithms_enabled()


def test_disk_full_is_recognised_through_the_writers_own_errors():
    from cls_data.benchmark.runs import disk_full

    assert disk_full(OSError(errno.ENOSPC, "No space left on device"))
    wrapped = RuntimeError("Error while serializing: I/O error: No space left on device (os error 28)")
    assert disk_full(wrapped) and not disk_full(ValueError("bad value"))


# --- a batch that does not fit in GPU memory (injected in the model: more than 2 pairs per forward "run out")
def test_a_batch_that_does_not_fit_in_memory_is_split_into_micro_batches_with_the_same_effective_batch(
    dataset, codec, backbone, tmp_path
):
    from cls_data.benchmark.train import train_stage

    cfg = dataclasses.replace(CFG, batch_size=8, grad_accum=1, epochs=2)
    job, _ = make_job("mbart-cls", "cls", backbone, codec, dataset, cfg, tmp_path / "work")
    build, seen = job.build_model, []

    def small_memory():
        model = build()
        forward = model.forward

        def limited(batch):
            seen.append(len(batch["input_ids"]))
            if len(batch["input_ids"]) > 2:
                raise torch.OutOfMemoryError("CUDA out of memory (injected)")
            return forward(batch)

        model.forward = limited
        return model

    job.build_model = small_memory
    result = train_stage(job)
    assert seen[:3] == [8, 4, 2] and set(seen[3:]) <= {1, 2}  # 8 -> 4 -> 2 pairs per micro-batch, then it trains
    assert result.steps == 2 * 2  # 16 pairs at an effective batch of 8: the steps of the planned batch, per epoch
    assert "trained 2 x 4 micro-batches (the same effective batch)" in result.notes[0]
    assert json.loads((tmp_path / "work" / "micro_batch.json").read_text()) == {"batch_size": 2, "grad_accum": 4}
