"""`cls-data publish` against the local Hub stand-in: the pushed folder loads and generates, its card carries the
scores."""

from __future__ import annotations

import json
import shutil

import pytest

pytest.importorskip("torch")

from cls_data.errors import ClsDataError  # noqa: E402
from cls_data.publish.run import PublishConfig, publish_run  # noqa: E402
from tests.publish.conftest import RUN  # noqa: E402

TOKEN = "hf_secret_test_token"  # what offline_hub puts in HF_TOKEN
# The model-card metadata fields the Hub documents (hub-docs modelcard.md) that a card may set.
HUB_MODEL_FIELDS = {
    "language",
    "license",
    "license_name",
    "license_link",
    "library_name",
    "tags",
    "datasets",
    "metrics",
    "base_model",
    "base_model_relation",
    "pipeline_tag",
    "model-index",
    "thumbnail",
    "new_version",
    "inference",
    "widget",
}


def pushed_folder(hub, target):
    for name, data in hub["files"].items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(data)
    return target


def test_the_pushed_folder_loads_with_transformers_and_decodes_as_the_benchmark_did(hub, runs, tmp_path):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    result = publish_run(PublishConfig(runs / RUN, "me/tiny-tflcls", endpoint=hub["endpoint"]))
    assert result.url.endswith("/me/tiny-tflcls") and hub["commits"] == [("models", "me/tiny-tflcls")]
    assert hub["created"] == [{"name": "tiny-tflcls", "organization": "me", "visibility": "public", "type": "model"}]
    assert hub["auth"] == {f"Bearer {TOKEN}"}
    names = set(hub["files"])
    assert {
        "model.safetensors",
        "config.json",
        "generation_config.json",
        "tokenizer_config.json",
        "README.md",
        "run/config.json",
        "run/metrics.json",
        "run/train_log.jsonl",
    } <= names
    assert not names & {
        "mono_decoder.safetensors",
        "two_decoder.json",
        "predictions.jsonl",
    }  # cross-lingual path alone, no test text
    folder = pushed_folder(hub, tmp_path / "pushed")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSeq2SeqLM.from_pretrained(folder)
    sample = json.loads((runs / RUN / "predictions.jsonl").read_text(encoding="utf-8").splitlines()[0])
    from cls_data.benchmark.data import open_dataset

    test = open_dataset(json.loads((runs / RUN / "config.json").read_text())["dataset_path"]).split("test")
    text = test["text"][list(test["id"]).index(sample["id"])]
    inputs = tokenizer([text], return_tensors="pt", truncation=True, max_length=96)
    assert inputs["input_ids"][0, -1] == tokenizer.convert_tokens_to_ids("vi_VN")  # source `X </s> vi_VN`
    generated = model.generate(**inputs)
    assert generated[0, 0] == tokenizer.convert_tokens_to_ids("zh_CN")  # decoder starts with the target code
    assert tokenizer.batch_decode(generated, skip_special_tokens=True)[0] == sample["prediction"]


def test_the_pushed_card_yaml_holds_hub_fields_and_a_model_index_with_the_runs_test_scores(hub, runs):
    from huggingface_hub import ModelCard

    publish_run(PublishConfig(runs / RUN, "me/tiny-tflcls", endpoint=hub["endpoint"], license="mit"))
    readme = hub["files"]["README.md"].decode()
    assert hub["readme"] == readme  # what the Hub's YAML check received
    card = ModelCard(readme)
    data = card.data.to_dict()
    assert set(data) <= HUB_MODEL_FIELDS
    assert data["pipeline_tag"] == "summarization" and data["license"] == "mit" and data["language"] == ["vi", "zh"]
    assert data["datasets"] == ["Vi2ZhLow"] and "tflcls" in data["tags"] and data["library_name"] == "transformers"
    assert "base_model" not in data  # the smoke backbone is a local folder, not a Hub model
    metrics = json.loads((runs / RUN / "metrics.json").read_text())
    scores = {
        (r.dataset_name, r.dataset_split, r.metric_name.split()[0], r.metric_config): r.metric_value
        for r in card.data.eval_results
    }
    assert scores == {
        ("Vi2ZhLow", "test", f"ROUGE-{m[-1].upper() if m == 'rougeL' else m[-1]}", "zh"): round(
            100 * metrics["test"][m], 2
        )
        for m in ("rouge1", "rouge2", "rougeL")
    }
    assert all(r.task_type == "summarization" and r.metric_type == "rouge" for r in card.data.eval_results)
    assert "## These numbers next to the paper's" in readme and "`rouge` package" in readme and "Smoke preset" in readme
    assert 'AutoModelForSeq2SeqLM.from_pretrained("me/tiny-tflcls")' in readme and "monolingual decoder" in readme
    assert readme.index("## These numbers") < readme.index("## Citation") and f"`{RUN}`" in readme


def test_a_hub_backbone_and_an_ncls_dataset_give_base_model_and_the_datas_licence(runs):
    from cls_data.report.card_metadata import card_data, dataset_facts

    config = {
        **json.loads((runs / RUN / "config.json").read_text()),
        "dataset": "En2ZhLow",
        "dataset_path": "/gone/En2ZhLow",
        "model": {"backbone": "facebook/mbart-large-cc25"},
    }
    facts = dataset_facts(config)
    data = card_data(config, json.loads((runs / RUN / "metrics.json").read_text()), "m", facts).to_dict()
    assert (facts.kind, facts.redistributable) == ("en2zh", False)
    assert data["base_model"] == "facebook/mbart-large-cc25"
    assert (data["license"], data["license_name"]) == ("other", "ncls-research-only")


def _as_ncls_run(runs, tmp_path):
    copy = tmp_path / "RUNS" / "En2ZhLow" / "tflcls" / "tflcls" / "r2" / "n8" / "seed0"
    shutil.copytree(runs / RUN, copy)
    config = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(
        json.dumps({**config, "dataset": "En2ZhLow", "dataset_path": str(tmp_path / "gone")})
    )
    return copy


def test_a_run_on_ncls_data_is_refused_without_touching_the_hub_unless_allowed(hub, runs, tmp_path):
    run = _as_ncls_run(runs, tmp_path)
    with pytest.raises(ClsDataError, match="refusing to publish a model trained on En2ZhLow .*forbids redistributing"):
        publish_run(PublishConfig(run, "me/ncls-model", endpoint=hub["endpoint"]))
    assert hub["created"] == [] and hub["files"] == {}
    publish_run(PublishConfig(run, "me/ncls-model", endpoint=hub["endpoint"], allow=True, private=True))
    assert hub["created"][0]["visibility"] == "private" and "README.md" in hub["files"]


def test_an_unfinished_run_a_stage_one_run_and_a_bad_repo_id_are_one_line_each(hub, runs, tmp_path):
    work = tmp_path / "RUNS" / "Vi2ZhLow" / "mbart-cls" / "n8" / "seed0.work"
    work.mkdir(parents=True)
    (work / "failed.json").write_text(json.dumps({"error": "RuntimeError: out of memory"}))
    with pytest.raises(ClsDataError, match="did not finish \\(RuntimeError: out of memory\\)"):
        publish_run(PublishConfig(work.with_name("seed0"), "me/x", endpoint=hub["endpoint"]))
    with pytest.raises(ClsDataError, match="stage-1"):
        publish_run(PublishConfig(runs / "Vi2ZhLow/stage1-translation/n8/seed0", "me/x", endpoint=hub["endpoint"]))
    with pytest.raises(ClsDataError, match="expected OWNER/NAME"):
        publish_run(PublishConfig(runs / RUN, "just-a-name", endpoint=hub["endpoint"]))
    assert hub["created"] == []


def test_cli_publish_prints_one_line_with_the_url_and_scores_and_never_the_token(hub, runs, run_cli):
    done = run_cli(
        "publish",
        runs / RUN,
        "--repo",
        "me/tiny",
        env={"HF_ENDPOINT": hub["endpoint"], "HF_HUB_OFFLINE": "0"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"to {hub['endpoint']}/me/tiny (test ROUGE x100: rouge1" in done.stdout
    assert TOKEN not in done.stdout + done.stderr
    refused = run_cli(
        "publish", runs / RUN, "--repo", "me/tiny", env={"HF_ENDPOINT": hub["endpoint"], "HF_HUB_OFFLINE": "0"}
    )
    assert refused.returncode == 0  # the same push again updates the repo


def test_publish_help_does_not_import_torch():
    from tests.cli.test_benchmark_command import cli

    done = cli("publish", "--help")
    assert "--repo" in done.stdout and "--allow" in done.stdout and done.stdout.strip().endswith("HEAVY:")


def test_the_card_sets_the_run_beside_the_papers_cell_when_the_paper_has_one(tmp_path):
    from cls_data.publish.card import publish_card
    from cls_data.report.card_metadata import dataset_facts
    from cls_data.run_folder import read_config, read_metrics
    from tests.support.fake_runs import make_run

    run = make_run(tmp_path, "Vi2ZhLow", "tflcls", 1000, 1, skill=0.5, weighting="tflcls", r=2.0)
    (run / "model").mkdir(exist_ok=True)
    (run / "model" / "config.json").write_text('{"model_type": "mbart"}')
    config, metrics = read_config(run), read_metrics(run)
    card, _ = publish_card(run, config, metrics, run / "model", "me/m", dataset_facts(config), None)
    text = " ".join(str(card).split())
    ours = " / ".join(f"{100 * metrics['test'][m]:.2f}" for m in ("rouge1", "rouge2", "rougeL"))
    assert (
        "reports for tflcls/tflcls/r2 on Vi2ZhLow with 1,000 training samples R-1 / R-2 / R-L 28.19 / 8.44 / 23.29"
        in text
    )
    assert f"this run: {ours}." in text


@pytest.fixture(scope="module")
def llm_runs(dataset_dir, tmp_path_factory):
    """Finished smoke-sized `llm-prompt` (1-shot, nothing trained) and `llm-lora` runs (tiny offline backbone)."""
    import torch

    from cls_data.benchmark.context import RunContext, RunSpec
    from cls_data.benchmark.runs import execute_run
    from tests.benchmark.conftest import TINY_PRESET

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    ctx = RunContext(out=tmp_path_factory.mktemp("llm-RUNS"), preset=TINY_PRESET, options={"shots": 1})
    folders = {
        variant: execute_run(RunSpec(str(dataset_dir), dataset_dir.name, variant, None, None, 8, 0), ctx)
        for variant in ("llm-prompt", "llm-lora")
    }
    torch.set_num_threads(threads)
    return folders


def test_an_llm_prompt_run_is_refused_in_one_line_saying_nothing_was_trained_and_what_to_use(hub, llm_runs, run_cli):
    with pytest.raises(
        ClsDataError,
        match="llm-prompt trained nothing, so it has no weights to publish: the model is .* as "
        "published, prompted as the run's config.json records",
    ):
        publish_run(PublishConfig(llm_runs["llm-prompt"], "me/prompted", endpoint=hub["endpoint"]))
    assert hub["created"] == []
    done = run_cli("publish", llm_runs["llm-prompt"], "--repo", "me/prompted", env={"HF_ENDPOINT": hub["endpoint"]})
    assert done.returncode == 2 and "trained nothing" in done.stderr and "publish a run that trained one" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and hub["created"] == []


@pytest.mark.filterwarnings("ignore:.*is_gradient_checkpointing.*:FutureWarning")
def test_an_llm_lora_run_pushes_its_adapter_with_a_peft_card_and_peft_loads_it_as_is(hub, llm_runs, tmp_path):
    from huggingface_hub import ModelCard
    from peft import AutoPeftModelForCausalLM
    from transformers import AutoTokenizer

    result = publish_run(PublishConfig(llm_runs["llm-lora"], "me/tiny-lora", endpoint=hub["endpoint"]))
    names = set(hub["files"])
    assert {
        "adapter_config.json",
        "adapter_model.safetensors",
        "prompt.json",
        "tokenizer_config.json",
        "README.md",
        "run/config.json",
        "run/metrics.json",
        "run/train_log.jsonl",
    } <= names and "predictions.jsonl" not in names
    assert any(
        "no base_model in the card" in note and "adapter loads only where" in note for note in result.notes
    )  # smoke backbone
    readme = hub["files"]["README.md"].decode()
    data = ModelCard(readme).data.to_dict()
    assert (data["library_name"], data["pipeline_tag"]) == ("peft", "text-generation") and set(data) <= HUB_MODEL_FIELDS
    assert 'AutoPeftModelForCausalLM.from_pretrained("me/tiny-lora")' in readme and "LoRA adapter of" in readme
    assert "AutoModelForSeq2SeqLM" not in readme and "generation_config.json" not in readme
    folder = pushed_folder(hub, tmp_path / "pushed")
    model = AutoPeftModelForCausalLM.from_pretrained(folder)  # the tiny base model is a local folder here
    assert AutoTokenizer.from_pretrained(folder).chat_template
    assert sum(p.numel() for n, p in model.named_parameters() if "lora_" in n) > 0


def test_a_lora_card_names_a_hub_backbone_as_its_base_model(llm_runs):
    from cls_data.publish.card import publish_card
    from cls_data.report.card_metadata import dataset_facts
    from cls_data.run_folder import read_config, read_metrics

    run = llm_runs["llm-lora"]
    config = read_config(run)
    config = {**config, "model": {**config["model"], "backbone": "Qwen/Qwen2.5-0.5B-Instruct"}}
    card, notes = publish_card(run, config, read_metrics(run), run / "model", "me/m", dataset_facts(config), None)
    assert (card.data.base_model, card.data.library_name) == ("Qwen/Qwen2.5-0.5B-Instruct", "peft")
    assert not any("base_model" in note for note in notes)


def test_an_llm_lora_run_with_cut_adapter_weights_is_refused_before_anything_is_sent(hub, llm_runs, tmp_path):
    copy = tmp_path / "RUNS" / "Vi2ZhLow" / "llm-lora" / "n8" / "seed0"
    shutil.copytree(llm_runs["llm-lora"], copy)
    weights = copy / "model" / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ClsDataError, match="adapter_model.safetensors: damaged weights .*nothing was pushed"):
        publish_run(PublishConfig(copy, "me/tiny-lora", endpoint=hub["endpoint"]))
    assert hub["created"] == [] and hub["files"] == {}
