"""Checks a staged publish folder passes before anything is sent: complete weights, config, a tokenizer that fits.

A run folder can be damaged after it finished (a copy cut short, a file deleted); transformers then
loads what it can and fills the rest with random values, or makes a new tokenizer from nothing. So
the folder is checked as the Hub would serve it: every weight file read whole, the model built from
it with no key missing, and the tokenizer taken from the run (never made anew) with every id
inside the model's embedding table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cls_data.errors import ClsDataError

# The files a saved tokenizer leaves (fast tokenizer, or the vocabulary of a slow one); without one of them
# `AutoTokenizer.from_pretrained` builds a fresh tokenizer whose ids mean nothing to the model.
TOKENIZER_FILES = (
    "tokenizer.json",
    "sentencepiece.bpe.model",
    "spiece.model",
    "sentencepiece.model",
    "vocab.json",
    "vocab.txt",
)
WEIGHTS = "model.safetensors"
SHARDED_WEIGHTS = "model.safetensors.index.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"


def require_config(model_dir: Path) -> None:
    if not (model_dir / "config.json").is_file():
        raise ClsDataError(f"{model_dir}: no config.json; the run's model folder is incomplete, nothing was pushed")


def require_tokenizer_files(model_dir: Path) -> None:
    """Refuse a model folder without its saved tokenizer (transformers would make a new, unrelated one)."""
    if not any((model_dir / name).is_file() for name in TOKENIZER_FILES):
        raise ClsDataError(
            f"{model_dir}: no tokenizer files ({', '.join(TOKENIZER_FILES[:2])}, ...); the run's "
            "tokenizer is missing and a newly made one would not match the model's ids; "
            "nothing was pushed"
        )


def weight_files(folder: Path, single: str = WEIGHTS) -> list[Path]:
    """The safetensors files of a folder (one file, or the shards its index names); a missing one is one line."""
    if (folder / single).exists():
        return [folder / single]
    index = folder / SHARDED_WEIGHTS
    if single == WEIGHTS and index.is_file():
        shards = sorted(set(json.loads(index.read_text(encoding="utf-8")).get("weight_map", {}).values()))
        missing = [name for name in shards if not (folder / name).is_file()]
        if missing or not shards:
            raise ClsDataError(
                f"{index}: names {len(shards)} weight shards, {len(missing)} missing "
                f"({', '.join(missing[:3])}); nothing was pushed"
            )
        return [folder / name for name in shards]
    raise ClsDataError(f"{folder}: no {single}; the run's weights are missing, nothing was pushed")


def check_complete(path: Path) -> int:
    """The number of tensors in a safetensors file, read whole; an empty or cut-short file is one line."""
    from safetensors import SafetensorError, safe_open

    size = path.stat().st_size
    try:
        with safe_open(str(path), "pt") as handle:  # checks that the header's offsets cover the file exactly
            names = list(handle.keys())
    except SafetensorError as exc:
        raise ClsDataError(f"{path}: damaged weights ({size:,} bytes: {exc}); nothing was pushed") from None
    if not names:
        raise ClsDataError(f"{path}: holds no tensors; nothing was pushed")
    return len(names)


def check_model_dir(model_dir: Path) -> None:
    """A run's model/ has its config, complete weights and its own tokenizer: checked before anything is staged."""
    require_config(model_dir)
    for path in weight_files(model_dir):
        check_complete(path)
    require_tokenizer_files(model_dir)


def verify_seq2seq(folder: Path, tokenizer: Any, lang_codes: tuple[str, ...] = ()) -> None:
    """The staged folder loads completely with transformers and its tokenizer's ids fit the embedding table."""
    from transformers import AutoModelForSeq2SeqLM
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a check, not a step the user waits on: no "Loading weights" bar in the output
    try:
        model, info = AutoModelForSeq2SeqLM.from_pretrained(folder, output_loading_info=True)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ClsDataError(f"the run's weights do not load ({str(exc).splitlines()[0]}); nothing was pushed") from None
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    for kind in ("missing_keys", "mismatched_keys"):
        keys = sorted(map(str, info.get(kind) or ()))
        if keys:
            raise ClsDataError(
                f"the run's weights do not fill the model: {len(keys)} {kind.replace('_', ' ')} "
                f"({', '.join(keys[:3])}); nothing was pushed"
            )
    rows = model.get_input_embeddings().num_embeddings
    if len(tokenizer) > rows:
        raise ClsDataError(
            f"the tokenizer has {len(tokenizer):,} tokens but the model's embedding table "
            f"{rows:,} rows; they are not one model's, nothing was pushed"
        )
    unknown = [code for code in lang_codes if tokenizer.convert_tokens_to_ids(code) in (None, tokenizer.unk_token_id)]
    if unknown:
        raise ClsDataError(f"the tokenizer does not know the language code {unknown[0]}; nothing was pushed")


def verify_adapter(folder: Path) -> None:
    """A peft adapter folder: its config, complete weights and tokenizer (the base model is the user's to fetch)."""
    if not (folder / "adapter_config.json").is_file():
        raise ClsDataError(f"{folder}: no adapter_config.json; nothing was pushed")
    check_complete(weight_files(folder, ADAPTER_WEIGHTS)[0])
    require_tokenizer_files(folder)
