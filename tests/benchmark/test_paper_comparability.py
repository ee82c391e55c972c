"""What makes our numbers comparable with the paper's: its test weights, its ROUGE unit, honest recipe labels, and
the `--paper-code` switches (lowercased English targets, the code's generation length, the mean base weighting)."""

import dataclasses
import json

import pytest

pytest.importorskip("torch")

from cls_data.benchmark.context import RunContext, RunSpec  # noqa: E402
from cls_data.benchmark.registry import resolve_variant  # noqa: E402
from cls_data.benchmark.run_plan import decode_config, recipe_faithful  # noqa: E402
from cls_data.benchmark.runs import run_or_record  # noqa: E402
from cls_data.paper_rouge import score_paper  # noqa: E402
from cls_data.rouge import corpus_f1  # noqa: E402
from cls_data.run_folder import scan_runs  # noqa: E402
from tests.benchmark.conftest import TINY_PRESET, TINY_TRAIN  # noqa: E402

TWO_EPOCHS = dataclasses.replace(TINY_TRAIN, epochs=2, max_steps=None, val_subset=None)
PRESET = dataclasses.replace(TINY_PRESET, stage1=TWO_EPOCHS, stage2=TWO_EPOCHS, faithful=True)


@pytest.fixture(scope="module")
def tokenizer_dir(dataset, tmp_path_factory):
    from cls_data.benchmark.families.mbart import train_mbart_tokenizer

    train = dataset.split("train", ("cls_summary",))
    folder = tmp_path_factory.mktemp("paper-tokens")
    train_mbart_tokenizer(list(train["cls_summary"]), vocab_size=300).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def last_run(tmp_path_factory, dataset_dir, tokenizer_dir):
    out = tmp_path_factory.mktemp("RUNS")
    ctx = RunContext(out=out, preset=PRESET, test_weights="last", paper_tokens=str(tokenizer_dir))
    run = RunSpec(str(dataset_dir), "Vi2ZhLow", "mbart-cls", None, None, 8, 0)
    assert run_or_record(run, ctx) == ("done", None)
    return out, out / "Vi2ZhLow" / "mbart-cls" / "n8" / "seed0"


def test_last_test_weights_test_the_final_epoch_and_are_recorded(last_run):
    _, run = last_run
    config, metrics = (json.loads((run / name).read_text()) for name in ("config.json", "metrics.json"))
    assert config["test_weights"] == "last" and config["train"]["cls"]["test_weights"] == "last"
    epochs = [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines()]
    vals = [line["val"] for line in epochs if line["kind"] == "epoch"]
    assert len(vals) == 2 and metrics["best_epoch"] == 1  # the last, whatever epoch 0 scored
    assert metrics["validation"]["rouge2"] == vals[-1]["rouge2"]


def test_each_run_records_its_test_scores_in_the_papers_unit_beside_ours(last_run, tokenizer_dir):
    from transformers import AutoTokenizer

    _, run = last_run
    metrics = json.loads((run / "metrics.json").read_text())
    rows = [json.loads(line) for line in (run / "predictions.jsonl").read_text().splitlines()]
    scores, refused = score_paper(
        [r["prediction"] for r in rows],
        [r["reference"] for r in rows],
        "zh",
        AutoTokenizer.from_pretrained(tokenizer_dir),
    )
    paper = metrics["paper_rouge"]
    assert str(tokenizer_dir) in paper["unit"] and paper["refused"] == refused
    assert {m: paper[m] for m in ("rouge1", "rouge2", "rougeL")} == pytest.approx(corpus_f1(scores))
    assert set(metrics["test"]) == {"rouge1", "rouge2", "rougeL"}  # ours stays as it was


def test_results_rows_carry_the_preset_its_status_and_the_test_weights(last_run):
    out, _ = last_run
    [row] = [r for r in scan_runs(out) if r.variant == "mbart-cls"]
    assert (row.preset, row.preset_status, row.test_weights) == ("smoke", "faithful", "last")
    assert row.paper_rouge and row.paper_rouge["rouge2"] >= 0


def test_preset_faithful_only_for_the_systems_whose_recipe_the_paper_gives():
    assert all(recipe_faithful(PRESET, v) for v in ("mbart-cls", "tflcls", "tflcls-no-tra", "tflcls-no-mul"))
    baselines = ("ncls", "ncls-ms", "mclas", "nguyen-kd", "llm-prompt", "llm-lora")
    assert not any(recipe_faithful(PRESET, v) for v in baselines)
    assert not recipe_faithful(TINY_PRESET, "tflcls")  # a preset that is not the paper's optimisation


def test_paper_code_gives_mbart_the_codes_generation_length_and_leaves_others_alone(tmp_path):
    plain, code = RunContext(out=tmp_path, preset=PRESET), RunContext(out=tmp_path, preset=PRESET, paper_code=True)
    mbart = resolve_variant("mbart-cls")
    assert decode_config(mbart, code).max_new_tokens == decode_config(mbart, plain).max_new_tokens - 2
    ncls = resolve_variant("ncls")
    assert decode_config(ncls, code) == decode_config(ncls, plain)


class _Chars:
    """A character codec: encode_split needs one; what is under test is which texts it is handed."""

    key = "chars"

    def encode(self, texts, role, max_len):
        return [[ord(ch) % 997 for ch in text][:max_len] for text in texts]


def test_paper_code_lowercases_targets_and_their_references_where_the_code_did(tmp_path):
    from cls_data.benchmark.data import encode_split, open_dataset
    from cls_data.dataset.release import ReleaseConfig, build_release
    from tests.support.release_csv import write_release

    write_release(tmp_path / "csv", sizes=(100, 50, 50), two_targets=False)
    build_release(ReleaseConfig(release=tmp_path / "csv", out=tmp_path))
    # its untranslated "Chinese" summaries are English sentences: read as an English target, they show the rule
    data = open_dataset(tmp_path / "Vi2ZhLow", src_lang="vi", tgt_lang="en")
    common = {"source": "text", "target": "cls_summary", "cache_dir": tmp_path / "cache"}
    plain = encode_split(data, "train", _Chars(), **common)
    lowered = encode_split(data, "train", _Chars(), lowercase_like_code=True, **common)
    assert lowered.references == [text.lower() for text in plain.references]
    assert lowered.references != plain.references
    assert lowered.tgt.row(0).tolist() == _Chars().encode([plain.references[0].lower()], "target", 128)[0]
    zh = open_dataset(tmp_path / "Vi2ZhLow")  # a Chinese target is left as it is, except in the two-target loader
    assert encode_split(zh, "train", _Chars(), lowercase_like_code=True, **common).references == plain.references
    both = encode_split(zh, "train", _Chars(), lowercase_like_code=True, mono_target="summary", **common)
    assert both.references == lowered.references  # its cross-lingual target lowercased, as `split('O.o')[1].lower()`
    mono = encode_split(zh, "train", _Chars(), mono_target="summary", **common).mono
    assert both.mono.flat.tolist() == mono.flat.tolist()  # the monolingual target as written


def test_a_run_made_with_other_test_weights_is_not_reused_but_stage_one_is(last_run, dataset_dir, tmp_path):
    import shutil

    from cls_data.benchmark.stages import check_reusable
    from cls_data.errors import ClsDataError

    out, run = last_run
    ctx = RunContext(out=out, preset=PRESET, test_weights="best")
    dataset = ctx.dataset(str(dataset_dir))
    with pytest.raises(ClsDataError, match="tested the last epoch's weights and this grid the best"):
        check_reusable(run, ctx, dataset)
    shared = shutil.copytree(run, tmp_path / "stage1", ignore=shutil.ignore_patterns("model"))
    check_reusable(shared, ctx, dataset, shared=True)  # stage 1 hands on its best weights under either setting


def test_paper_code_makes_tflcls_sum_weighting_the_codes_mean_and_leaves_the_others(tmp_path):
    from types import SimpleNamespace

    import torch

    from cls_data.benchmark.stages import stage_weighting

    tflcls = resolve_variant("tflcls")
    joint = tflcls.spec.stage("joint")
    losses = [torch.tensor(3.0), torch.tensor(1.0)]

    def weighting_of(run, ctx):  # the plan's fields stage_weighting reads: the run, its variant, its context
        return stage_weighting(joint, SimpleNamespace(run=run, spec=tflcls.spec, ctx=ctx))

    for weighting, paper_code, expected in (("sum", False, 4.0), ("sum", True, 2.0)):
        run = RunSpec("d", "Vi2ZhLow", "tflcls", weighting, None, 8, 0)
        scheme = weighting_of(run, RunContext(out=tmp_path, preset=PRESET, paper_code=paper_code))
        assert float(scheme(("cls", "mls")).combine(losses)) == expected
    run = RunSpec("d", "Vi2ZhLow", "tflcls", "tflcls", 2.0, 8, 0)  # the paper's own scheme is untouched
    plain = weighting_of(run, RunContext(out=tmp_path, preset=PRESET))(("cls", "mls"))
    code = weighting_of(run, RunContext(out=tmp_path, preset=PRESET, paper_code=True))(("cls", "mls"))
    assert plain.combine(losses).item() == code.combine(losses).item()
