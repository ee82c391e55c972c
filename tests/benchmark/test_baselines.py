"""The four baselines through the registry and the engine's runner: recipes, run folders, MCLAS's separator fields."""

from __future__ import annotations

import json

import pytest

from cls_data.benchmark.presets import PRESETS
from cls_data.benchmark.registry import get_variant, variant_names

BASELINES = ("ncls", "ncls-ms", "mclas", "nguyen-kd")


def test_the_four_baselines_are_registered_next_to_the_mbart_family():
    names = variant_names()
    assert set(BASELINES) <= set(names) and "tflcls" in names


def test_each_baseline_has_its_original_optimiser_in_paper_and_fast_and_the_tiny_recipe_in_smoke():
    for name in ("ncls", "ncls-ms"):
        stage = get_variant(name).stages[-1]
        paper, fast, smoke = (PRESETS[p].train_config(stage, "ncls") for p in ("paper", "fast", "smoke"))
        assert (paper.adam_betas, paper.adam_eps, paper.schedule, paper.token_budget) == (
            (0.9, 0.998),
            1e-9,
            "inverse-sqrt",
            4096,
        )
        assert (fast.schedule, fast.token_budget, fast.val_subset) == ("inverse-sqrt", 16384, 500)
        assert (smoke.adam_eps, smoke.max_steps) == (1e-9, PRESETS["smoke"].stage1.max_steps)
    for name in ("mclas", "nguyen-kd"):
        for stage in get_variant(name).stages:
            paper, smoke = PRESETS["paper"].train_config(stage, "mbert"), PRESETS["smoke"].train_config(stage, "mbert")
            assert (paper.src_max_len, paper.schedule, paper.lr) == (512, "inverse-sqrt", 2e-3)
            assert smoke == PRESETS["smoke"].recipe(stage.recipe)


def test_stage_layout_of_each_baseline():
    assert [(s.name, s.target, s.mono_target, s.init_from) for s in get_variant("mclas").stages] == [
        ("mono", "summary", None, None),
        ("sequential", "cls_summary", "summary", "mono"),
    ]
    assert [(s.name, s.target, s.mono_target, s.init_from) for s in get_variant("nguyen-kd").stages] == [
        ("teacher", "summary", None, None),
        ("student", "cls_summary", "summary", "teacher"),
    ]
    assert dict(get_variant("nguyen-kd").stage("student").loss_coefficients) == {"cls": 1.0, "ot": 0.1}
    assert get_variant("ncls-ms").stages[0].mono_target == "summary"


torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def runs(dataset_dir, tmp_path_factory):
    from cls_data.benchmark.context import RunContext
    from tests.benchmark.conftest import TINY_PRESET

    return RunContext(out=tmp_path_factory.mktemp("RUNS"), preset=TINY_PRESET)


def _run(runs, dataset_dir, variant):
    from cls_data.benchmark.context import RunSpec
    from cls_data.benchmark.runs import execute_run

    spec = RunSpec(
        dataset=str(dataset_dir),
        dataset_name=dataset_dir.name,
        variant=variant,
        weighting=None,
        r=None,
        train_size=8,
        seed=0,
    )
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
    from cls_data.benchmark.context import RunContext
    from cls_data.benchmark.presets import PRESETS as P
    from cls_data.benchmark.registry import resolve_variant
    from cls_data.benchmark.run_plan import TrainSplit, backbone_for

    paper = RunContext(out=runs.out, preset=P["paper"])
    spec = resolve_variant("ncls")
    folder = backbone_for(spec, paper, dataset, TrainSplit.of(dataset, 8))
    assert folder.endswith("-n8") and backbone_for(spec, paper, dataset, TrainSplit.of(dataset, 16)).endswith("-n16")
    config = json.loads(open(f"{folder}/config.json").read())
    assert (config["d_model"], config["encoder_layers"]) == (512, 6)
    from transformers import AutoTokenizer

    vocab = AutoTokenizer.from_pretrained(folder).get_vocab()
    train_8 = "".join(dataset.split("train_8")["cls_summary"])
    assert all(ch in vocab for ch in set(train_8) if "\u4e00" <= ch <= "\u9fff")
    mclas = backbone_for(resolve_variant("mclas"), paper, dataset, TrainSplit.of(dataset, 8))
    assert get_variant("mclas").default_backbone == mclas


def test_inverse_sqrt_schedule_warms_up_linearly_then_decays_as_one_over_the_square_root_of_the_step():
    from cls_data.benchmark.config import TrainConfig
    from cls_data.benchmark.train import lr_lambda

    factor = lr_lambda(
        TrainConfig(schedule="inverse-sqrt", warmup_ratio=0.1), epoch_ends=list(range(10, 101, 10)), total_steps=100
    )
    assert [round(factor(s), 6) for s in (0, 4, 9)] == [0.1, 0.5, 1.0]
    assert factor(39) == pytest.approx((10 / 40) ** 0.5) and factor(99) == pytest.approx(0.1**0.5)


def test_mbert_models_train_the_pretrained_encoder_at_a_hundredth_of_the_decoder_rate():
    from tests.support.family_models import build_stage

    model = build_stage("mclas", "sequential")
    (decoder, scale_d), (encoder, scale_e) = model.param_groups()
    assert (scale_d, scale_e) == (1.0, 0.01)
    assert {id(p) for p in encoder} == {id(p) for p in model.model.get_encoder().parameters()}
    assert sorted(map(id, decoder + encoder)) == sorted(map(id, model.parameters()))


def test_a_tiny_ncls_overfits_a_handful_of_pairs_through_the_engine_loop_and_decoder(dataset, tmp_path):
    from cls_data.benchmark.config import DecodeConfig, TrainConfig
    from cls_data.benchmark.data import encode_split
    from cls_data.benchmark.families.ncls import ncls_codec, ncls_smoke_backbone
    from cls_data.benchmark.losses import make_weighting
    from cls_data.benchmark.registry import BuildContext, resolve
    from cls_data.benchmark.scoring import score_split
    from cls_data.benchmark.train import StageJob, train_stage

    train = dataset.split("train")
    backbone = ncls_smoke_backbone([*train["text"], *train["summary"], *train["cls_summary"]], tmp_path / "vocab")
    codec = ncls_codec(backbone, "vi", "zh")
    stage = get_variant("ncls").stages[0]
    cfg = TrainConfig(
        lr=1e-2,
        batch_size=4,
        grad_accum=1,
        epochs=120,
        schedule="constant",
        val_every=40,
        src_max_len=96,
        adam_betas=(0.9, 0.998),
        adam_eps=1e-9,
        log_every=40,
    )
    pairs = encode_split(
        dataset, "train_16", codec, source="text", target="cls_summary", limit=4, src_max_len=96, tgt_max_len=32
    )
    ctx = BuildContext(backbone=str(backbone), codec=codec, src_lang="vi", tgt_lang="zh", stage=stage, train=cfg)
    decode = DecodeConfig(num_beams=4, max_new_tokens=16, length_penalty=0.6)
    job = StageJob(
        name="cls",
        build_model=lambda: resolve(stage.builder)(ctx),
        build_weighting=lambda t: make_weighting("sum", t),
        train=pairs,
        val=pairs,
        codec=codec,
        cfg=cfg,
        decode=decode,
        rouge_tokenizer="zh",
        seed=0,
        work_dir=tmp_path / "work",
    )
    result = train_stage(job)
    assert result.steps == 120 and result.best_val["rouge2"] >= 0.9
    ctx.init = result.best_dir
    scored = score_split(resolve(stage.builder)(ctx), codec, pairs, decode, "zh")
    assert scored.rouge["rouge2"] >= 0.9 and scored.empty_predictions == 0


def test_ncls_decodes_with_length_penalty_0_6_and_mclas_with_beam_5_on_top_of_the_preset():
    paper = PRESETS["paper"]
    assert get_variant("ncls").decode_config(paper).length_penalty == 0.6
    assert get_variant("ncls-ms").decode_config(paper).num_beams == paper.decode.num_beams == 4
    assert get_variant("mclas").decode_config(paper).num_beams == 5
    assert get_variant("mbart-cls").decode_config(paper) == paper.decode
