"""Run identity: a finished run (or shared stage 1) is reused only with the same backbone, languages, served model."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

pytest.importorskip("torch")

from cls_data.benchmark.context import RunContext, RunSpec  # noqa: E402
from cls_data.benchmark.data import open_dataset  # noqa: E402
from cls_data.benchmark.registry import resolve_variant  # noqa: E402
from cls_data.benchmark.run_plan import RunPlan, TrainSplit, backbone_for, stage_configs  # noqa: E402
from cls_data.benchmark.runs import run_or_record  # noqa: E402
from cls_data.errors import ClsDataError  # noqa: E402
from cls_data.run_folder import shared_rel_dir, write_config  # noqa: E402
from tests.benchmark.conftest import TINY_PRESET  # noqa: E402
from tests.support.fake_openai import FakeChat  # noqa: E402


def finished(run: RunSpec, ctx: RunContext, variant_name: str | None = None, folder=None):
    """A run folder as a finished run leaves it, as far as reuse looks: config.json from the engine's own RunPlan."""
    folder = folder or ctx.out / run.rel_dir
    folder.mkdir(parents=True)
    run = dataclasses.replace(run, variant=variant_name or run.variant)
    variant, dataset = resolve_variant(run.variant), ctx.dataset(run.dataset)
    train = TrainSplit.of(dataset, run.train_size, ctx.training_cap(variant.spec))
    # the plan without its codec (a prompted LLM's tokenizer is not needed to write config.json)
    plan = RunPlan(
        run=run,
        ctx=ctx,
        variant=variant,
        dataset=dataset,
        train=train,
        codec=None,
        backbone=backbone_for(variant, ctx, dataset, train),
        configs=stage_configs(ctx, variant.spec),
    )
    write_config(folder, plan.record())
    (folder / "model").mkdir()
    return folder


def spec(dataset_dir, variant="mbart-cls", weighting=None, r=None) -> RunSpec:
    return RunSpec(str(dataset_dir), "Vi2ZhLow", variant, weighting, r, 8, 0)


def test_a_run_made_with_another_backbone_folder_is_not_reused(tmp_path, dataset_dir, backbone):
    run = spec(dataset_dir)
    finished(run, RunContext(out=tmp_path, preset=TINY_PRESET, backbone=str(backbone)))
    moved = shutil.copytree(backbone, tmp_path / "same-weights-elsewhere")
    assert run_or_record(run, RunContext(out=tmp_path, preset=TINY_PRESET, backbone=str(moved))) == ("skipped", None)
    other = shutil.copytree(backbone, tmp_path / "other")
    (other / "config.json").write_text((other / "config.json").read_text().replace("}", ', "dropout": 0.3}', 1))
    with pytest.raises(
        ClsDataError,
        match=r"was made with backbone '.*tiny' \(content \w+\); this grid uses '.*other' "
        r"\(content \w+\): choose another --out",
    ):
        run_or_record(run, RunContext(out=tmp_path, preset=TINY_PRESET, backbone=str(other)))


def test_a_shared_stage_1_trained_on_another_backbone_is_not_reused(tmp_path, dataset_dir, backbone):
    """What the issue saw: --backbone changed, tflcls reused a stage 1 of the old backbone (and recorded the new)."""
    run = spec(dataset_dir, "tflcls", "tflcls", 2.0)
    old = RunContext(out=tmp_path, preset=TINY_PRESET, backbone=str(backbone))
    stage1 = finished(run, old, "tflcls", tmp_path / shared_rel_dir("Vi2ZhLow", "stage1-translation", 8, 0))
    other = shutil.copytree(backbone, tmp_path / "other")
    (other / "README.md").write_text("another model\n")
    status, error = run_or_record(run, RunContext(out=tmp_path, preset=TINY_PRESET, backbone=str(other)))
    assert status == "failed" and error.startswith(f"ClsDataError: {stage1} was made with backbone")
    assert not (tmp_path / run.rel_dir).exists() and not list((stage1 / "model").iterdir())  # nothing trained


def test_an_edited_build_info_target_language_refuses_reuse(tmp_path, dataset_dir, backbone):
    copy = shutil.copytree(dataset_dir, tmp_path / "data" / "Vi2ZhLow")
    run = spec(copy)
    finished(run, RunContext(out=tmp_path / "runs", preset=TINY_PRESET, backbone=str(backbone)))
    info = json.loads((copy / "build_info.json").read_text())
    (copy / "build_info.json").write_text(json.dumps({**info, "tgt_lang": "en"}))
    with pytest.raises(
        ClsDataError,
        match=r"was made with target language \(build_info.json tgt_lang\) 'zh'; "
        r"this grid uses 'en'",
    ):
        run_or_record(run, RunContext(out=tmp_path / "runs", preset=TINY_PRESET, backbone=str(backbone)))


def test_another_model_behind_the_llm_url_refuses_reuse(tmp_path, dataset_dir):
    run = spec(dataset_dir, "llm-prompt")
    with FakeChat(models=("qwen-a",)) as server:
        ctx = RunContext(out=tmp_path, preset=TINY_PRESET, backbone="llm=qwen-a", options={"llm_url": server.url})
        folder = finished(run, ctx)
        assert json.loads((folder / "config.json").read_text())["identity"]["served_model"] == "qwen-a"
        assert run_or_record(run, ctx) == ("skipped", None)
        server.models = ("/models/qwen-b",)  # restarted on another model; a lone model is used under any name asked
        with pytest.raises(
            ClsDataError,
            match=r"was made with served model \(--llm-url /models\) 'qwen-a'; this grid "
            r"uses '/models/qwen-b'",
        ):
            run_or_record(
                run,
                RunContext(out=tmp_path, preset=TINY_PRESET, backbone="llm=qwen-a", options={"llm_url": server.url}),
            )
    down = RunContext(out=tmp_path, preset=TINY_PRESET, backbone="llm=qwen-a", options={"llm_url": server.url})
    assert run_or_record(run, down) == ("skipped", None)  # a finished run needs no server: its reuse waits for none


def test_a_run_folder_from_before_identities_is_compared_on_its_languages(tmp_path, dataset_dir, backbone):
    run = spec(dataset_dir)
    folder = finished(run, RunContext(out=tmp_path, preset=TINY_PRESET, backbone=str(backbone)))
    config = json.loads((folder / "config.json").read_text())
    del config["identity"]
    (folder / "config.json").write_text(json.dumps({**config, "tgt_lang": "en"}))
    with pytest.raises(ClsDataError, match=r"target language \(build_info.json tgt_lang\) 'en'; this grid uses 'zh'"):
        run_or_record(run, RunContext(out=tmp_path, preset=TINY_PRESET, backbone=str(backbone)))


def test_a_missing_split_file_is_named_as_missing(tmp_path, dataset_dir):
    copy = shutil.copytree(dataset_dir, tmp_path / "Vi2ZhLow")
    next((copy / "data").glob("validation-*.parquet")).unlink()
    with pytest.raises(ClsDataError, match=r"split file\(s\) missing: validation \(build_info.json lists them"):
        open_dataset(copy)


def test_an_invalid_build_info_is_one_clean_line(tmp_path, dataset_dir, run_cli):
    copy = shutil.copytree(dataset_dir, tmp_path / "Vi2ZhLow")
    (copy / "build_info.json").write_text('{"src_lang": "vi", "tgt_lang": ')
    with pytest.raises(ClsDataError, match=r"build_info.json: not valid JSON \(Expecting value at line 1, column 32\)"):
        open_dataset(copy)
    result = run_cli(
        "benchmark", "--dataset", copy, "--out", tmp_path / "runs", "--preset", "smoke", "--variants", "mbart-cls"
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr and "JSONDecodeError" not in result.stderr
    assert "build_info.json: not valid JSON" in result.stderr


def test_an_eval_on_dataset_whose_target_language_changed_refuses_reuse(tmp_path, dataset_dir, backbone):
    from tests.support.cls_dataset import build_cls_dataset

    built = build_cls_dataset(tmp_path / "other", train=8, validation=4, test=4, subsets=(4,), seed=7, text_words=16)
    other = built.rename(built.with_name("Vi2ZhOOD"))
    run = spec(dataset_dir)
    finished(run, RunContext(out=tmp_path / "runs", preset=TINY_PRESET, backbone=str(backbone), eval_on=(str(other),)))
    without = RunContext(out=tmp_path / "runs", preset=TINY_PRESET, backbone=str(backbone))
    assert run_or_record(run, without) == ("skipped", None)  # another --eval-on set is not a conflict
    info = json.loads((other / "build_info.json").read_text())
    (other / "build_info.json").write_text(json.dumps({**info, "tgt_lang": "en"}))
    with pytest.raises(
        ClsDataError,
        match=r"was made with --eval-on ROUGE tokenizers \{'Vi2ZhOOD': 'zh'\}; this grid "
        r"uses \{'Vi2ZhOOD': 'en'\}",
    ):
        run_or_record(
            run, RunContext(out=tmp_path / "runs", preset=TINY_PRESET, backbone=str(backbone), eval_on=(str(other),))
        )
