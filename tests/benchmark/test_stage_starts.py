"""Through the grid runner: each later stage starts from the best weights of the stage it names, or the run fails.

The weights are followed through `run_grid` (not the model classes): every model the runner builds for training
is recorded as built, and every stage's best weights as saved.
"""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

torch = pytest.importorskip("torch")

from cls_data.benchmark import presets as presets_module  # noqa: E402
from cls_data.benchmark import registry  # noqa: E402
from cls_data.benchmark import train as train_module  # noqa: E402
from cls_data.benchmark.config import GridSpec  # noqa: E402
from cls_data.benchmark.grid import run_grid  # noqa: E402
from tests.benchmark.conftest import TINY_PRESET  # noqa: E402

TINY = dataclasses.replace(TINY_PRESET, name="tiny")


def load_weights(folder):
    from safetensors.torch import load_file

    return load_file(folder / "model.safetensors")


@pytest.fixture(scope="module")
def followed(tmp_path_factory, dataset_dir):
    """One grid (tflcls, tflcls-no-mul, mclas at n = 8) with every stage's starting and best weights recorded."""
    out = tmp_path_factory.mktemp("RUNS")
    starts, bests = {}, {}
    real = train_module.train_stage

    def recording(job, on_progress=None):
        key = str(job.work_dir.relative_to(out))  # e.g. Vi2ZhLow/tflcls/tflcls/r2/n8/seed0.work/joint
        build = job.build_model

        def build_and_record():
            model = build()
            starts[key] = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return model

        job.build_model = build_and_record
        result = real(job, on_progress)
        bests[key] = load_weights(result.best_dir)
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(presets_module.PRESETS, "tiny", TINY)
        patch.setattr(train_module, "train_stage", recording)
        result = run_grid(
            GridSpec(
                datasets=(str(dataset_dir),),
                variants=("tflcls", "tflcls-no-mul", "mclas"),
                train_sizes=(8,),
                preset="tiny",
            ),
            out,
        )
    assert not result.failed, result.failed
    return out, starts, bests


def one(recorded, run, stage):
    [value] = [v for k, v in recorded.items() if k.startswith(f"Vi2ZhLow/{run}/") and k.endswith(f".work/{stage}")]
    return value


def starts_from(start, best, parts):
    """Every tensor of `best` under one of `parts` (e.g. "encoder.") equals the start's, under a common key prefix."""
    prefixes = ["", "model.", "seq2seq.", "model.model."]
    prefix = max(prefixes, key=lambda p: sum(p + k in start for k in best))
    keys = [k for k in best if any(part in k for part in parts) and prefix + k in start]
    assert len(keys) >= 8, (prefix, list(best)[:5], list(start)[:5])
    return all(torch.equal(start[prefix + k], best[k]) for k in keys)


def test_the_tflcls_joint_stage_starts_from_stage_ones_best_encoder_and_decoder(followed):
    out, starts, bests = followed
    [backbone] = (out / ".cache" / "backbones").glob("mbart-*")  # the tiny backbone the runs were built from
    stage1, joint = one(bests, "stage1-translation", "translation"), one(starts, "tflcls", "joint")
    saved = load_weights(out / "Vi2ZhLow" / "stage1-translation" / "n8" / "seed0" / "model")
    assert all(torch.equal(saved[k], stage1[k]) for k in saved)  # the stage-1 run folder keeps its best weights
    assert starts_from(joint, stage1, ("encoder.", "decoder."))
    pretrained = load_weights(backbone)
    assert not starts_from(joint, pretrained, ("encoder.layers",))  # stage 1 trained: not the pretrained weights
    mono = [
        k for k in pretrained if k.startswith("model.decoder.layers.")
    ]  # the monolingual decoder: the pretrained one
    assert mono and all(
        torch.equal(joint["mono_decoder." + k.removeprefix("model.decoder.")], pretrained[k]) for k in mono
    )


def test_tflcls_no_mul_starts_its_cls_stage_from_stage_ones_best_weights(followed):
    _, starts, bests = followed
    assert starts_from(
        one(starts, "tflcls-no-mul", "cls"), one(bests, "stage1-translation", "translation"), ("encoder.", "decoder.")
    )


def test_mclas_starts_its_second_stage_from_its_first_stages_best_weights(followed):
    _, starts, bests = followed
    assert starts_from(one(starts, "mclas", "sequential"), one(bests, "mclas", "mono"), ("encoder.", "decoder."))


def test_runs_record_whether_their_preset_is_faithful_and_the_best_epochs_validation_scores(followed):
    out, *_ = followed
    for rel in ("tflcls/tflcls/r2/n8/seed0", "tflcls-no-mul/n8/seed0", "mclas/n8/seed0", "stage1-translation/n8/seed0"):
        run = out / "Vi2ZhLow" / rel
        config, metrics = (json.loads((run / name).read_text()) for name in ("config.json", "metrics.json"))
        assert (config["preset"], config["preset_faithful"], config["deterministic"]) == ("tiny", False, False)
        assert set(metrics["validation"]) == {"rouge1", "rouge2", "rougeL", "epoch"}
        assert metrics["validation"]["epoch"] == metrics["best_epoch"]


def test_a_stage_one_run_folder_without_its_weights_fails_the_run_instead_of_starting_from_pretrained(
    followed, dataset_dir, tmp_path
):
    out, *_ = followed
    runs = shutil.copytree(out, tmp_path / "RUNS", symlinks=True)
    shutil.rmtree(runs / "Vi2ZhLow" / "stage1-translation" / "n8" / "seed0" / "model")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(presets_module.PRESETS, "tiny", TINY)
        result = run_grid(
            GridSpec(
                datasets=(str(dataset_dir),), variants=("tflcls",), weightings=("hu",), train_sizes=(8,), preset="tiny"
            ),
            runs,
        )
    [(run_dir, error)] = result.failed
    assert run_dir == "Vi2ZhLow/tflcls/hu/n8/seed0" and "no best weights" in error and "stage1-translation" in error


@pytest.fixture
def misnamed_variant():
    def factory():
        base = registry.get_variant("tflcls")
        joint = dataclasses.replace(base.stage("joint"), init_from="translaton")
        return base.derive("test-misnamed", stages=(base.stage("translation"), joint))

    registry.register_variant("test-misnamed")(factory)
    yield
    registry.unregister_variant("test-misnamed")


def test_a_stage_that_starts_from_a_stage_the_variant_lacks_fails_instead_of_starting_from_pretrained(
    tmp_path, dataset_dir, misnamed_variant
):
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(presets_module.PRESETS, "tiny", TINY)
        result = run_grid(
            GridSpec(datasets=(str(dataset_dir),), variants=("test-misnamed",), train_sizes=(8,), preset="tiny"),
            tmp_path,
        )
    [(_, error)] = result.failed
    assert "'translaton'" in error and "translation" in error
