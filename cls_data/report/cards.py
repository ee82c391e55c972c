"""A model card (README.md with Hub metadata) per finished run, from `modelcards/model_card.md`."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from cls_data.outputs import write_text_atomic
from cls_data.report.paper import DATA as PAPER_DATA
from cls_data.report.runs import RunSet
from cls_data.run_folder import RunRow, read_json
from cls_data.text import language_name

TEMPLATE = resources.files("cls_data.modelcards") / "model_card.md"
TOKENIZER_NOTES = {
    "zh": "every Han character is a token, runs of other letters/digits are one token, punctuation dropped",
    "zh-words": "jieba words, tokens without a letter or digit dropped",
    "vi": "Vietnamese syllables, lower-cased, punctuation dropped",
    "en": "rouge-score's own tokenizer",
    "words": "runs of letters, combining marks and digits, lower-cased, punctuation dropped (docs/languages.md)",
    "chars": "every Han or kana character is a token, runs of other letters/digits are one token (docs/languages.md)",
    "clusters": (
        "every letter with its combining marks is a token: a character fallback, no segmenter (docs/languages.md)"
    ),
    "th-words": "Thai words by pythainlp's newmm segmenter, punctuation dropped (docs/languages.md)",
}
# model_type values of model/config.json that AutoModelForSeq2SeqLM loads as they are
SEQ2SEQ_TYPES = {"mbart", "bart", "marian", "m2m_100", "mt5", "t5", "nllb-moe", "pegasus"}
VARIANT_NOTES = {
    "ncls": "NCLS (Zhu et al., 2019): a Transformer trained from scratch on the cross-lingual pairs.",
    "ncls-ms": "NCLS+MS: NCLS with a second decoder for the monolingual summary, losses summed.",
    "mclas": "MCLAS (Bai et al., 2021): one decoder writes the monolingual summary, a separator, then the "
    "cross-lingual one.",
    "nguyen-kd": "Nguyen & Luu (2022): a student distilled from a monolingual teacher with an optimal-transport term.",
    "mbart-cls": "mBART fine-tuned directly on the cross-lingual pairs (the paper's mBART-CLS baseline).",
    "tflcls": "TFLCLS: stage 1 fine-tunes on summary translation, stage 2 jointly learns cross-lingual and "
    "monolingual summarization with learned loss weights.",
    "tflcls-no-tra": "TFLCLS without stage 1 (translation fine-tuning): the joint stage only.",
    "tflcls-no-mul": "TFLCLS without the joint monolingual task: translation stage, then cross-lingual fine-tuning.",
    "llm-prompt": "An instruction-tuned LLM prompted to summarise in the target language (zero- or k-shot; not "
    "one of the paper's systems, docs/llm.md). Nothing is trained: the model is the backbone as published.",
    "llm-lora": "An instruction-tuned LLM with LoRA adapters fine-tuned on the cross-lingual pairs, loss on the answer "
    "tokens only (not one of the paper's systems, docs/llm.md).",
}


@dataclass
class CardsResult:
    paths: list[Path]
    notes: list[str] = field(default_factory=list)


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)):
        return "an unrecorded time"
    return (
        f"{seconds / 3600:.1f} h"
        if seconds >= 3600
        else f"{seconds / 60:.1f} min"
        if seconds >= 60
        else f"{seconds:.0f} s"
    )


def _flatten(prefix: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [pair for key, inner in value.items() for pair in _flatten(f"{prefix}.{key}" if prefix else key, inner)]
    return [(prefix, json.dumps(value) if not isinstance(value, str) else value)]


def _seq2seq_type(model: Path) -> str | None:
    try:
        model_type = json.loads((model / "config.json").read_text(encoding="utf-8")).get("model_type")
    except (OSError, ValueError, AttributeError):
        return None
    return model_type if model_type in SEQ2SEQ_TYPES else None


@functools.cache
def _shipped_texts() -> tuple[str, str]:
    """(the card template, the paper's BibTeX): read once, not once per card."""
    return TEMPLATE.read_text(encoding="utf-8"), json.loads(PAPER_DATA.read_text(encoding="utf-8"))["citation"][
        "bibtex"
    ]


def _preset_note(row: RunRow) -> str:
    from cls_data.report.fidelity import is_unvalidated

    weights = {"last": "; the last epoch's weights, as the paper's code tested"}.get(row.test_weights or "", "")
    if is_unvalidated(row):
        return (
            ": it changes the paper's optimisation and is unvalidated (no measured run has shown it within noise of "
            f"the `paper` preset; see docs/paper-fidelity.md){weights}"
        )
    if row.preset_status == "no paper recipe":
        return f": not the paper's recipe, which the paper gives only for mBART-CLS and TFLCLS{weights}"
    return f": the paper's recipe{weights}" if row.preset_status == "faithful" else weights


def _weights_kind(model: Path) -> str:
    """ "adapter" (a peft folder), "none" (a prompted model: nothing trained) or "model"."""
    if (model / "adapter_config.json").exists():
        return "adapter"
    return "model" if model.exists() else "none"


def card_text(
    row: RunRow,
    config: dict,
    metrics: dict,
    eval_rows: list[RunRow],
    model_path: str,
    *,
    model_dir: Path | None = None,
    metadata: Any = None,
) -> str:
    """README.md of a run: Hub metadata (`metadata`, default `card_metadata.card_data`) and the template's text.

    `model_path` is what the usage snippet loads (a folder or a Hub repo id), `model_dir` the local weights."""
    from jinja2 import Environment, StrictUndefined

    from cls_data.report.card_metadata import card_data, dataset_facts, front_matter

    src, tgt = config.get("src_lang") or "", config.get("tgt_lang") or ""
    tokenizer = metrics.get("tokenizer") or row.tokenizer or "unknown"
    results = []
    for result in [row, *eval_rows]:
        results.append(
            {
                "name": result.eval_dataset or result.dataset,
                "tokenizer": result.tokenizer or tokenizer,
                **{
                    m: "n/a" if result.score(m) is None else f"{100 * result.score(m):.2f}"
                    for m in ("rouge1", "rouge2", "rougeL")
                },
            }
        )
    best_val = metrics.get("best_val_rouge2")
    decode = ", ".join(f"{k}={v}" for k, v in (config.get("decode") or {}).items()) or "see config.json"
    versions = ", ".join(f"{k} {v}" for k, v in (config.get("versions") or {}).items()) or "not recorded"
    recipe = _flatten("model", config.get("model") or {}) + _flatten("train", config.get("train") or {})
    environment = Environment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
    template_text, citation = _shipped_texts()
    template = environment.from_string(template_text)
    title = f"{row.system} on {row.dataset} (n={row.train_size:,}, seed {row.seed})"
    hf_loadable = _seq2seq_type(model_dir or Path(model_path))
    weights = _weights_kind(model_dir or Path(model_path))
    if metadata is None:  # a LoRA adapter is a peft repo on the Hub (its base_model is the backbone)
        library = "peft" if weights == "adapter" else "transformers" if hf_loadable else None
        metadata = card_data(config, metrics, title, dataset_facts(config), library=library)
    return (
        front_matter(metadata)
        + "\n"
        + template.render(
            title=title,
            dataset=row.dataset,
            variant=row.variant,
            weighting=row.weighting,
            r=None if row.r is None else f"{row.r:g}",
            train_size=f"{row.train_size:,}",
            seed=row.seed,
            preset=config.get("preset"),
            preset_note=_preset_note(row),
            src_name=language_name(src) if src else "source-language",
            tgt_name=language_name(tgt) if tgt else "target-language",
            variant_note=VARIANT_NOTES.get(row.variant, f"Variant `{row.variant}` of the cls-data benchmark registry."),
            n_test=metrics.get("n_test", "?"),
            tokenizer=tokenizer,
            tokenizer_note=TOKENIZER_NOTES.get(tokenizer, "see cls_data.text"),
            test_weights=row.test_weights or "best",
            best_epoch=metrics.get("best_epoch"),
            best_val=None if best_val is None else f"{100 * best_val:.2f}",
            results=results,
            empty_predictions=metrics.get("empty_predictions") or 0,
            recipe=recipe,
            train_time=_duration(metrics.get("train_seconds")),
            decode_time=_duration(metrics.get("decode_seconds")),
            versions=versions,
            model_path=model_path,
            decode=decode,
            hf_loadable=hf_loadable,
            weights=weights,
            backbone=(config.get("model") or {}).get("backbone") or "the backbone",
            wrong_language=metrics.get("wrong_language") or 0,
            seed_note=("Scores of a single seed: see results.md for the spread over seeds before comparing models."),
            citation=citation,
        )
    )


def write_model_cards(runs: RunSet, out: Path, on_progress: Callable[[int, int], None] | None = None) -> CardsResult:
    """`out/<run path>/README.md` for every finished run; run folders themselves are never written to."""
    done = [row for row in runs.done() if row.in_domain and row.run_dir]
    others = [row for row in runs.done() if not row.in_domain]
    paths, notes = [], []
    for i, row in enumerate(done, start=1):
        folder = runs.run_path(row)
        if not (folder / "config.json").exists() or not (folder / "metrics.json").exists():
            notes.append(f"{row.run_dir}: no config.json/metrics.json here (row from results.json); no card")
            continue
        eval_rows = [o for o in others if o.run_dir == row.run_dir]
        text = card_text(
            row,
            read_json(folder / "config.json"),
            read_json(folder / "metrics.json"),
            eval_rows,
            str((folder / "model").resolve()),
        )
        path = out / row.run_dir / "README.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
        paths.append(path)
        if on_progress:
            on_progress(i, len(done))
    return CardsResult(paths, notes)
