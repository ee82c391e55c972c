"""`llm-prompt` (nothing to train) and `llm-lora` (peft through the engine's loop) as run folders, results rows and
--plan."""

from __future__ import annotations

import json

import pytest

from tests.benchmark.conftest import TINY_PRESET

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def runs(dataset_dir, tmp_path_factory):
    from cls_data.benchmark.context import RunContext

    return RunContext(out=tmp_path_factory.mktemp("RUNS"), preset=TINY_PRESET, options={"shots": 1})


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


def test_llm_prompt_trains_nothing_and_writes_a_complete_run_folder(runs, dataset_dir):
    run_dir = _run(runs, dataset_dir, "llm-prompt")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    config = json.loads((run_dir / "config.json").read_text())
    rows = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines()]
    assert metrics["n_test"] == len(rows) == 3 and metrics["tokenizer"] == "zh"
    assert metrics["train_seconds"] == 0 and metrics["decode_seconds"] > 0 and metrics["best_epoch"] is None
    assert metrics["best_val_rouge2"] == metrics["validation"]["rouge2"] is not None  # the report chooses on validation
    assert metrics["stages"] == {} and "wrong_language" in metrics
    assert any("1-shot prompt" in note and "train_8" in note for note in metrics["notes"])
    assert config["options"] == {"shots": 1, "llm_url": None} and config["decode"]["num_beams"] == 1
    assert set(rows[0]) >= {"id", "prediction", "reference", "rouge2", "language_ok"}
    assert not (run_dir / "model").exists() and (run_dir / "train_log.jsonl").read_text() == ""


@pytest.mark.filterwarnings("ignore:.*is_gradient_checkpointing.*:FutureWarning")
def test_llm_lora_trains_adapters_and_saves_a_folder_peft_loads_as_is(runs, dataset_dir):
    from peft import AutoPeftModelForCausalLM
    from transformers import AutoTokenizer

    run_dir = _run(runs, dataset_dir, "llm-lora")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    log = [json.loads(line) for line in (run_dir / "train_log.jsonl").read_text().splitlines()]
    assert metrics["stages"]["lora"]["steps"] == 2 and metrics["train_seconds"] > 0 and metrics["best_epoch"] == 0
    assert any(line["kind"] == "epoch" and "val" in line for line in log)
    model_dir = run_dir / "model"
    assert (model_dir / "adapter_config.json").exists() and (model_dir / "prompt.json").exists()
    model = AutoPeftModelForCausalLM.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    assert tokenizer.chat_template and sum(p.numel() for n, p in model.named_parameters() if "lora_" in n) > 0


def test_both_llm_variants_become_rows_of_results_json(runs, dataset_dir):
    from cls_data.benchmark.context import RunSpec
    from cls_data.benchmark.runs import run_or_record
    from cls_data.report.writer import write_results

    for variant in ("llm-prompt", "llm-lora"):  # finished by the tests above, or now
        run_or_record(RunSpec(str(dataset_dir), dataset_dir.name, variant, None, None, 8, 0), runs)
    rows = write_results(runs.out)
    assert {row["variant"] for row in rows} >= {"llm-prompt", "llm-lora"}
    assert "llm-lora" in (runs.out / "results.md").read_text()


def test_a_finished_prompt_run_is_not_reused_for_another_shot_count(runs, dataset_dir):
    import dataclasses

    from cls_data.benchmark.context import RunSpec
    from cls_data.benchmark.runs import run_or_record
    from cls_data.errors import ClsDataError

    spec = RunSpec(
        dataset=str(dataset_dir),
        dataset_name=dataset_dir.name,
        variant="llm-prompt",
        weighting=None,
        r=None,
        train_size=8,
        seed=0,
    )
    assert run_or_record(spec, runs)[0] in ("done", "skipped")
    with pytest.raises(ClsDataError, match="--shots 1"):
        run_or_record(spec, dataclasses.replace(runs, options={"shots": 3}))


def test_plan_prices_lora_training_and_prompt_decoding_only(dataset_dir, tmp_path):
    from cls_data.benchmark.config import GridSpec
    from cls_data.benchmark.context import RunContext
    from cls_data.benchmark.grid import expand
    from cls_data.benchmark.plan import plan
    from cls_data.benchmark.presets import get_preset

    grid = GridSpec(
        datasets=(str(dataset_dir),),
        variants=("mbart-cls", "llm-prompt", "llm-lora"),
        train_sizes=(16,),
        preset="paper",
    )
    local_ctx = RunContext(out=tmp_path, preset=get_preset("paper"))
    served_ctx = RunContext(out=tmp_path, preset=get_preset("paper"), options={"llm_url": "http://127.0.0.1:1/v1"})
    local = {p.run_dir.split("/")[1]: p.hours for p in plan(expand(grid), local_ctx)}
    served = {p.run_dir.split("/")[1]: p.hours for p in plan(expand(grid), served_ctx)}
    assert local["mbart-cls"] > 0 and 0 < local["llm-prompt"] < local["llm-lora"]
    assert served["llm-prompt"] < local["llm-prompt"] and served["llm-lora"] == local["llm-lora"]


def test_family_backbones_are_named_per_family():
    from cls_data.benchmark.run_plan import family_backbone

    assert family_backbone("facebook/mbart-large-50", "mbart") == "facebook/mbart-large-50"
    assert family_backbone("facebook/mbart-large-50", "llm") is None
    assert family_backbone("llm=Qwen/Qwen2.5-0.5B-Instruct", "llm") == "Qwen/Qwen2.5-0.5B-Instruct"
    assert family_backbone("mbart=/m,llm=/l", "mbart") == "/m"
