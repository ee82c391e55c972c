"""The training loop: it learns, it resumes exactly, learned loss weights train in their own group."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

torch = pytest.importorskip("torch")

from cls_data.benchmark.config import DecodeConfig, TrainConfig  # noqa: E402
from cls_data.benchmark.data import encode_split  # noqa: E402
from cls_data.benchmark.losses import make_weighting  # noqa: E402
from cls_data.benchmark.registry import BuildContext, get_variant, resolve  # noqa: E402
from cls_data.benchmark.scoring import score_split  # noqa: E402
from cls_data.benchmark.train import StageJob, train_stage  # noqa: E402
from cls_data.errors import ClsDataError  # noqa: E402

DECODE = DecodeConfig(num_beams=2, max_new_tokens=4, batch_size=8)


def make_job(
    variant,
    stage_name,
    backbone,
    codec,
    dataset,
    cfg,
    work,
    *,
    weighting="sum",
    r=2.0,
    train_split="train_16",
    limit=None,
    decode=DECODE,
):
    stage = get_variant(variant).stage(stage_name)
    columns = {
        "source": stage.source,
        "target": stage.target,
        "mono_target": stage.mono_target,
        "src_max_len": cfg.src_max_len,
        "tgt_max_len": cfg.tgt_max_len,
    }
    train = encode_split(dataset, train_split, codec, limit=limit, **columns)
    val = encode_split(dataset, "validation", codec, **columns)
    ctx = BuildContext(backbone=str(backbone), codec=codec, src_lang="vi", tgt_lang="zh", stage=stage, train=cfg)
    return StageJob(
        name=stage.name,
        build_model=lambda: resolve(stage.builder)(ctx),
        build_weighting=lambda tasks: make_weighting(weighting, tasks, r=r),
        train=train,
        val=val,
        codec=codec,
        cfg=cfg,
        decode=decode,
        rouge_tokenizer="zh",
        seed=0,
        work_dir=work,
    ), ctx


@pytest.fixture(scope="module")
def dropout_backbone(backbone, tmp_path_factory):
    """The tiny backbone with dropout on, so an exact resume needs the RNG state too."""
    folder = tmp_path_factory.mktemp("dropout") / "tiny"
    shutil.copytree(backbone, folder)
    config = json.loads((folder / "config.json").read_text())
    config.update(dropout=0.2, attention_dropout=0.1)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_a_tiny_mbart_cls_overfits_a_handful_of_pairs_through_the_loop_and_the_decoder(dataset, tmp_path):
    from cls_data.benchmark.families.mbart import build_tiny_mbart, mbart_codec

    train = dataset.split("train")
    backbone = build_tiny_mbart(
        [*train["text"], *train["summary"], *train["cls_summary"]],
        tmp_path / "bb",
        vocab_size=200,
        d_model=64,
        layers=1,
        heads=4,
        ffn=128,
    )
    codec = mbart_codec(backbone, "vi", "zh")
    cfg = TrainConfig(
        lr=1e-2, batch_size=4, grad_accum=1, epochs=200, schedule="constant", val_every=50, src_max_len=96, log_every=50
    )
    job, ctx = make_job(
        "mbart-cls",
        "cls",
        backbone,
        codec,
        dataset,
        cfg,
        tmp_path / "work",
        limit=4,
        decode=DecodeConfig(num_beams=4, max_new_tokens=16),
    )
    job.val = job.train  # validate on the pairs it learns
    result = train_stage(job)
    assert result.steps == 200 and result.best_val["rouge2"] >= 0.9
    best = resolve(get_variant("mbart-cls").stages[0].builder)(dataclasses.replace(ctx, init=result.best_dir))
    scored = score_split(best, codec, job.train, DecodeConfig(num_beams=4, max_new_tokens=16), "zh")
    assert scored.rouge["rouge2"] >= 0.9 and scored.empty_predictions == 0
    assert [row["reference"] for row in scored.rows] == job.train.references


def _log_without_timings(path):
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [{k: v for k, v in line.items() if k not in ("seconds", "val_seconds")} for line in lines]


class Killed(Exception):
    pass


@pytest.mark.parametrize("checkpoint_every", [None, 1], ids=["epoch-checkpoints", "step-checkpoints"])
def test_a_killed_run_resumes_from_its_checkpoint_and_ends_exactly_like_an_uninterrupted_one(
    dataset, codec, dropout_backbone, tmp_path, checkpoint_every
):
    from safetensors.torch import load_file

    cfg = TrainConfig(
        lr=1e-3,
        batch_size=4,
        grad_accum=2,
        epochs=3,
        schedule="epoch-decay",
        lr_gamma=0.5,
        weighting_lr=0.05,
        val_subset=2,
        src_max_len=64,
        tgt_max_len=32,
        checkpoint_every=checkpoint_every,
        log_every=1,
    )
    args = ("tflcls-no-tra", "joint", dropout_backbone, codec, dataset, cfg)
    straight, _ = make_job(*args, tmp_path / "straight", weighting="hu")
    expected = train_stage(straight)

    killed, _ = make_job(*args, tmp_path / "killed", weighting="hu")

    def kill_after_three_steps(phase, done, total):
        if phase.startswith("train") and done == 3:
            raise Killed

    with pytest.raises(Killed):
        train_stage(killed, kill_after_three_steps)  # step 3 is in the middle of epoch 2 (2 steps per epoch)
    assert (tmp_path / "killed" / "checkpoint.pt").exists()
    changed, _ = make_job(
        "tflcls-no-tra",
        "joint",
        dropout_backbone,
        codec,
        dataset,
        dataclasses.replace(cfg, lr=2e-3),
        tmp_path / "killed",
        weighting="hu",
    )
    with pytest.raises(ClsDataError, match="other training settings"):
        train_stage(changed)
    resumed_job, _ = make_job(*args, tmp_path / "killed", weighting="hu")
    resumed = train_stage(resumed_job)

    assert (resumed.best_epoch, resumed.best_val, resumed.steps) == (
        expected.best_epoch,
        expected.best_val,
        expected.steps,
    )
    assert _log_without_timings(tmp_path / "killed" / "train_log.jsonl") == _log_without_timings(
        tmp_path / "straight" / "train_log.jsonl"
    )
    a, b = (
        load_file(tmp_path / "straight" / "best" / "model.safetensors"),
        load_file(tmp_path / "killed" / "best" / "model.safetensors"),
    )
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert not (tmp_path / "killed" / "checkpoint.pt").exists()  # a finished stage keeps no optimizer state


@pytest.mark.parametrize("weighting", ["sum", "hu", "rhu", "tflcls"])
def test_each_weighting_trains_tflcls_a_few_steps_and_logs_its_learned_weights(
    dataset, codec, backbone, tmp_path, weighting
):
    cfg = TrainConfig(
        lr=1e-3,
        batch_size=4,
        grad_accum=1,
        epochs=1,
        max_steps=3,
        schedule="constant",
        weighting_lr=0.1,
        val_subset=2,
        src_max_len=64,
        tgt_max_len=32,
        log_every=1,
    )
    job, _ = make_job("tflcls-no-tra", "joint", backbone, codec, dataset, cfg, tmp_path, weighting=weighting, r=2.5)
    result = train_stage(job)
    log = [json.loads(line) for line in (tmp_path / "train_log.jsonl").read_text().splitlines()]
    steps, epochs = [x for x in log if x["kind"] == "step"], [x for x in log if x["kind"] == "epoch"]
    assert result.steps == 3 and len(steps) == 3 and len(epochs) == 1 and "val" in epochs[0]
    assert set(steps[0]["losses"]) == {"cls", "mls", "total"} and all(
        map(torch.isfinite, map(torch.tensor, steps[-1]["losses"].values()))
    )
    if weighting == "sum":
        assert steps[0]["weights"] == {}
    else:
        assert (
            steps[0]["weights"] and steps[0]["weights"] != steps[-1]["weights"]
        )  # in the optimizer, with their own lr
    assert (result.best_dir / "model.safetensors").exists()
