"""The pushed model's card: the report's run card (training, evaluation, recipe, limitations) with Hub metadata
for the repo, how to use the pushed folder, and what its numbers mean next to the paper's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cls_data.report.card_metadata import DatasetFacts, card_data

ROUGE_PACKAGE_NOTE = (
    "These scores are cls-data's ROUGE (rouge-score's arithmetic on `{tokenizer}` tokens, mean of per-sample F1). The "
    "paper scored in another unit: the `rouge` package (pltrdy: a repeated n-gram counts once) on mBART SentencePiece "
    "pieces, punctuation included, which moves R-2 by more than 10 points on the paper's own output, so an absolute "
    "difference from the paper's value is not readable unless both are in its unit ({paper_unit})."
)


def publish_card(
    run_dir: Path, config: dict, metrics: dict, folder: Path, repo_id: str, facts: DatasetFacts, license: str | None
) -> tuple[Any, list[str]]:
    """(huggingface_hub `ModelCard`, notes for the user) for the staged `folder` pushed as `repo_id`."""
    from huggingface_hub import ModelCard

    from cls_data.report.cards import card_text
    from cls_data.run_folder import finished_rows

    rows = finished_rows(run_dir)
    row, eval_rows = rows[0], rows[1:]
    notes = []
    adapter = (folder / "adapter_config.json").exists()  # an llm-lora run: a peft adapter of its base model
    metadata = card_data(
        config, metrics, repo_id.split("/")[-1], facts, license=license, library="peft" if adapter else "transformers"
    )
    if adapter:
        metadata.pipeline_tag = (
            "text-generation"  # a causal LM: transformers' summarization pipeline is for seq2seq models
        )
    if metadata.base_model is None:
        notes.append(
            f"no base_model in the card: the backbone {config.get('model', {}).get('backbone')!r} is not a Hub model id"
            + ("; the adapter loads only where its base model's folder exists" if adapter else "")
        )
    if metadata.license == "other":
        notes.append(
            f"license: other ({metadata.license_name or 'unnamed'}), from the training data's terms; "
            "pass --license with a Hub licence id if you may license the model otherwise"
        )
    text = card_text(row, config, metrics, eval_rows, repo_id, model_dir=folder, metadata=metadata)
    body, citation = text.split("\n## Citation", 1) if "\n## Citation" in text else (text, None)
    published = _adapter_section(folder, repo_id, row) if adapter else _published_section(config, row)
    text = body + "\n" + published + "\n" + _paper_section(row, config, metrics)
    card = ModelCard(text + (f"\n## Citation{citation}" if citation else ""))
    return card, notes


def _published_section(config: dict, row: Any) -> str:
    decode = config.get("decode") or {}
    tflcls = row.variant in ("tflcls", "tflcls-no-tra")
    lines = [
        "## This repository",
        "",
        "Published by `cls-data publish` from the run folder "
        f"`{row.dataset}/{row.system}/n{row.train_size}/seed{row.seed}`. "
        f"`generation_config.json` holds the benchmark's decoding (beams {decode.get('num_beams', 4)}, no repeated "
        f"{decode.get('no_repeat_ngram_size', 3)}-grams, at most {decode.get('max_new_tokens', 128)} new tokens) and "
        "starts the decoder with the target-language code, and the tokenizer appends the source-language code to each "
        "document, "
        'as in training: `tokenizer.batch_decode(model.generate(**tokenizer([article], return_tensors="pt")), '
        "skip_special_tokens=True)` summarizes as the benchmark did. The run's own `config.json`, `metrics.json` and "
        "`train_log.jsonl` are under `run/`.",
    ]
    if tflcls:
        lines += [
            "",
            "TFLCLS trains a second, monolingual decoder in stage 2; it is not needed to summarize across languages "
            "and is left out: this is the cross-lingual path alone, a plain mBART model.",
        ]
    return "\n".join(lines) + "\n"


def _adapter_section(folder: Path, repo_id: str, row: Any) -> str:
    import json

    base = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8")).get("base_model_name_or_path")
    return (
        "\n".join(
            [
                "## This repository",
                "",
                "Published by `cls-data publish` from the run folder "
                f"`{row.dataset}/{row.system}/n{row.train_size}/seed{row.seed}`. "
                f"It is a peft LoRA adapter of `{base}` (the base model `adapter_config.json` names), not a full "
                "model: "
                f'`AutoPeftModelForCausalLM.from_pretrained("{repo_id}")` loads the base model and applies the '
                "adapter. "
                "The tokenizer carries the chat template the run prompted through; `prompt.json` holds the messages, "
                "with `{document}` where the article goes. The run's own `config.json`, `metrics.json` and "
                "`train_log.jsonl` are under `run/`.",
            ]
        )
        + "\n"
    )


def _paper_section(row: Any, config: dict, metrics: dict) -> str:
    from cls_data.report.paper import load_paper

    paper = load_paper()
    tokenizer = metrics.get("tokenizer") or "unknown"
    ours = {m: 100 * (metrics.get("test") or {}).get(m, 0.0) for m in ("rouge1", "rouge2", "rougeL")}
    lines = ["## These numbers next to the paper's", ""]
    theirs = next(
        (
            {m: paper.value(table, row.dataset, row.system, row.train_size, m) for m in ours}
            for table in ("table2", "table3")
            if paper.value(table, row.dataset, row.system, row.train_size, "rouge2") is not None
        ),
        None,
    )
    if theirs:
        lines.append(
            f"The paper ({paper.citation}) reports for {row.system} on {row.dataset} with {row.train_size:,} training "
            "samples R-1 / R-2 / R-L "
            + " / ".join(f"{v:.2f}" for v in theirs.values() if v is not None)
            + "; this run: "
            + " / ".join(f"{v:.2f}" for v in ours.values())
            + "."
        )
    else:
        lines.append(
            f"cls-data carries no published number of the paper ({paper.citation}) for {row.system} on "
            f"{row.dataset} with {row.train_size:,} training samples, so there is no cell to set this run beside."
        )
    paper_rouge = metrics.get("paper_rouge")
    if paper_rouge:
        unit = (
            "this run in the paper's unit: R-1 / R-2 / R-L "
            + " / ".join(f"{100 * paper_rouge[m]:.2f}" for m in ("rouge1", "rouge2", "rougeL"))
            + f", {paper_rouge['unit']}"
        )
    else:
        unit = "this run was not scored in it: `cls-data rouge --paper-tokens`, docs/paper-fidelity.md"
    lines += [
        "",
        ROUGE_PACKAGE_NOTE.format(tokenizer=tokenizer, paper_unit=unit),
        "",
        f"This is one run (seed {row.seed}); the benchmark report gives the spread over seeds and a paired "
        "bootstrap against other systems before any claim that one model is better.",
    ]
    if config.get("preset") == "smoke":
        lines += [
            "",
            "**Smoke preset:** a tiny random model trained for a few steps to check the pipeline; its scores "
            "say nothing about the method.",
        ]
    return "\n".join(lines) + "\n"
