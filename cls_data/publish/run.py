"""`cls-data publish`: a finished run's best model as a Hub model repo that transformers (or peft) loads as is.

The pushed folder holds the weights (for TFLCLS its cross-lingual path, a plain mBART), the
tokenizer set to the run's language pair, a generation config with the benchmark's decoding,
the run's own config/metrics/train log under `run/`, and a model card whose YAML the Hub renders.
An `llm-lora` run pushes its peft adapter folder as it is (the card: `library_name: peft`, its
`base_model`); an `llm-prompt` run trained nothing and is refused with what to use instead.
Runs on datasets whose licence forbids redistributing derived text (NCLS) are refused unless allowed.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cls_data.errors import ClsDataError

REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")
TFLCLS_EXTRAS = {
    "mono_decoder.safetensors",
    "two_decoder.json",
}  # the monolingual decoder of stage 2: not needed to summarize
ADAPTER_CONFIG = "adapter_config.json"  # a peft adapter folder (llm-lora), pushed as peft saved it
RUN_FILES = (
    "config.json",
    "metrics.json",
    "train_log.jsonl",
)  # copied under run/ (predictions carry dataset text: not pushed)


@dataclass(frozen=True)
class PublishConfig:
    run_dir: Path
    repo_id: str
    private: bool = False
    allow: bool = False  # push although the dataset's licence forbids redistributing derived text (or is unknown)
    license: str | None = None  # Hub licence id of the model; default: the training data's terms
    dataset_id: str | None = None  # Hub id of the dataset, for the card (default: the run's dataset name)
    token: str | None = None  # default: HF_TOKEN / `hf auth login`
    endpoint: str | None = None  # default: HF_ENDPOINT or the Hub
    dry_run: bool = False  # check and assemble everything, list it, send nothing


@dataclass
class PublishResult:
    url: str
    files: list[str]
    sizes: dict[str, int]  # bytes of each file pushed (or, with dry_run, that would be)
    scores: dict[str, float]  # test ROUGE x100 written into the card
    notes: list[str] = field(default_factory=list)


def read_finished_run(run_dir: Path) -> tuple[dict, dict]:
    """(config, metrics) of a complete run folder with a test score and weights; anything else is one line."""
    from cls_data.run_folder import (
        FAILED,
        METRICS,
        MODEL,
        STAGE1,
        WORK_SUFFIX,
        read_config,
        read_json,
        read_metrics,
        work_dir,
    )

    unfinished = run_dir if run_dir.name.endswith(WORK_SUFFIX) else work_dir(run_dir)
    if unfinished == run_dir or (
        not run_dir.exists() and unfinished.exists()
    ):  # docs/run-folders.md: in progress or failed
        failed = unfinished / FAILED
        why = read_json(failed).get("error", "") if failed.exists() else "still running or interrupted"
        raise ClsDataError(f"{run_dir}: this run did not finish ({why}); only finished runs can be published")
    if not run_dir.is_dir():
        raise ClsDataError(f"{run_dir}: no such run folder (give a folder under the RUNS of `cls-data benchmark`)")
    if not (run_dir / METRICS).exists():
        raise ClsDataError(f"{run_dir}: not a finished run folder (no {METRICS})")
    config, metrics = read_config(run_dir), read_metrics(run_dir)
    if config.get("variant") == STAGE1 or not metrics.get("test"):
        raise ClsDataError(
            f"{run_dir}: a shared stage-1 (summary translation) run, not a summarizer; publish a run of a variant"
        )
    if not (run_dir / MODEL).is_dir() and metrics.get("stages") == {}:  # a variant that trains nothing (llm-prompt)
        backbone = (config.get("model") or {}).get("backbone") or "its backbone"
        raise ClsDataError(
            f"{run_dir}: {config.get('variant')} trained nothing, so it has no weights to publish: the model is "
            f"{backbone} as published, prompted as the run's config.json records (docs/llm.md); use that model "
            "with that prompt, or publish a run that trained one (e.g. llm-lora)"
        )
    if not (run_dir / MODEL).is_dir():
        raise ClsDataError(f"{run_dir}: not a finished run folder (no {MODEL}/)")
    return config, metrics


def check_allowed(facts: Any, allow: bool) -> None:
    """Refuse a dataset whose licence forbids redistributing derived text (or whose licence is unknown) unless
    allowed."""
    if allow or facts.redistributable:
        return
    if facts.redistributable is None:
        raise ClsDataError(
            f"cannot tell the licence of dataset {facts.name!r} (its folder has no build_info.json): "
            "pass --allow if its licence lets you publish a model trained on it"
        )
    raise ClsDataError(
        f"refusing to publish a model trained on {facts.name} ({facts.kind}, {facts.license_name or facts.license}): "
        "its licence forbids redistributing derived text; pass --allow if you hold the right to"
    )


def stage_model(run_dir: Path, config: dict, folder: Path) -> str:
    """Weights, tokenizer (with the run's languages) and generation config in `folder`; returns the model type
    ("peft" for a LoRA adapter, pushed as peft saved it)."""
    model_dir = run_dir / "model"
    if (model_dir / ADAPTER_CONFIG).exists():
        return stage_adapter(run_dir, folder)
    from transformers import AutoTokenizer, GenerationConfig

    from cls_data.publish.verify import check_model_dir, verify_seq2seq
    from cls_data.report.cards import _seq2seq_type

    check_model_dir(model_dir)
    model_type = _seq2seq_type(model_dir)
    if model_type is None:
        raise ClsDataError(
            f"{run_dir}: variant {config.get('variant')} is not a transformers seq2seq model; "
            "only mBART-family runs can be published"
        )
    folder.mkdir(parents=True, exist_ok=True)
    for path in model_dir.iterdir():
        if path.is_file() and path.name not in TFLCLS_EXTRAS:
            shutil.copy2(path, folder / path.name)
    model_config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    decode = config.get("decode") or {}
    settings: dict[str, Any] = {
        "num_beams": decode.get("num_beams", 4),
        "no_repeat_ngram_size": decode.get("no_repeat_ngram_size", 3),
        "max_new_tokens": decode.get("max_new_tokens", 128),
        "length_penalty": decode.get("length_penalty", 1.0),
        "early_stopping": True,
        "forced_bos_token_id": None,
    }
    settings |= {
        k: model_config[k] for k in ("bos_token_id", "eos_token_id", "pad_token_id") if model_config.get(k) is not None
    }
    if model_type == "mbart":  # source `X </s> src_code`, decoder starts with the target code (docs/benchmark.md)
        from cls_data.benchmark.models.mbart import mbart_lang_code

        src, tgt = mbart_lang_code(config["src_lang"]), mbart_lang_code(config["tgt_lang"])
        tokenizer = AutoTokenizer.from_pretrained(model_dir, src_lang=src, tgt_lang=tgt)
        settings["decoder_start_token_id"] = tokenizer.convert_tokens_to_ids(tgt)
        codes = (src, tgt)
    else:
        tokenizer, codes = AutoTokenizer.from_pretrained(model_dir), ()
    tokenizer.save_pretrained(folder)
    verify_seq2seq(folder, tokenizer, codes)
    GenerationConfig(**settings).save_pretrained(folder)
    _copy_run_files(run_dir, folder)
    return model_type


def stage_adapter(run_dir: Path, folder: Path) -> str:
    """An `llm-lora` run's model/ as it is (adapter, tokenizer with its chat template, prompt.json): a folder
    `AutoPeftModelForCausalLM` loads, fetching the base model that adapter_config.json names."""
    from cls_data.publish.verify import verify_adapter

    verify_adapter(run_dir / "model")
    shutil.copytree(run_dir / "model", folder)
    _copy_run_files(run_dir, folder)
    return "peft"


def _copy_run_files(run_dir: Path, folder: Path) -> None:
    (folder / "run").mkdir(parents=True, exist_ok=True)
    for name in RUN_FILES:
        if (run_dir / name).exists():
            shutil.copy2(run_dir / name, folder / "run" / name)


def publish_run(cfg: PublishConfig) -> PublishResult:
    """Check the run and its dataset's licence, assemble the folder with its card, and push it as a model repo."""
    from cls_data.dataset.hub import upload_folder
    from cls_data.publish.card import publish_card
    from cls_data.report.card_metadata import dataset_facts

    if not REPO_ID.match(cfg.repo_id):
        raise ClsDataError(f"--repo {cfg.repo_id!r}: expected OWNER/NAME")
    run_dir = Path(cfg.run_dir)
    config, metrics = read_finished_run(run_dir)
    facts = dataset_facts(config, cfg.dataset_id)
    check_allowed(facts, cfg.allow)
    with tempfile.TemporaryDirectory(prefix="cls-data-publish-") as tmp:
        folder = Path(tmp) / "model"
        stage_model(run_dir, config, folder)
        card, notes = publish_card(run_dir, config, metrics, folder, cfg.repo_id, facts, cfg.license)
        card.save(folder / "README.md")
        sizes = {p.relative_to(folder).as_posix(): p.stat().st_size for p in sorted(folder.rglob("*")) if p.is_file()}
        url = (
            repo_url(cfg.repo_id, cfg.endpoint)
            if cfg.dry_run
            else upload_folder(
                folder,
                cfg.repo_id,
                "model",
                f"Upload {cfg.run_dir.as_posix()} published by cls-data",
                private=cfg.private,
                token=cfg.token,
                endpoint=cfg.endpoint,
            )
        )
    scores = {
        m: round(100 * metrics["test"][m], 2)
        for m in ("rouge1", "rouge2", "rougeL")
        if metrics["test"].get(m) is not None
    }
    return PublishResult(url=url, files=sorted(sizes), sizes=sizes, scores=scores, notes=notes)


def repo_url(repo_id: str, endpoint: str | None) -> str:
    """Where a model repo would be, without asking the Hub (--dry-run)."""
    from huggingface_hub import constants

    return f"{(endpoint or constants.ENDPOINT).rstrip('/')}/{repo_id}"
