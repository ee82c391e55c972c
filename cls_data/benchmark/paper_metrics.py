"""A finished run's test predictions in the paper's ROUGE unit (`cls_data.paper_rouge`), for metrics.json.

Recorded beside our own ROUGE when the unit's tokenizer is at hand: `--paper-tokens` names it, else the
paper's own (facebook/mbart-large-cc25) is used if it is in the local Hugging Face cache (nothing downloads
for it). Non-Chinese targets need no tokenizer: the paper's code scored their text as is.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from cls_data.errors import ClsDataError
from cls_data.paper_rouge import PAPER_TOKENIZER, load_tokenizer, refused_note, score_paper, unit_label
from cls_data.rouge import corpus_f1
from cls_data.text import base_language


@functools.lru_cache(maxsize=4)
def paper_tokenizer(name: str | None) -> tuple[Any, str] | None:
    """(tokenizer, its name) for the paper's unit: `name` (which must load), or the paper's if cached, or None."""
    if name:
        return load_tokenizer(name), name
    try:
        return load_tokenizer(PAPER_TOKENIZER, local_only=True), PAPER_TOKENIZER
    except ClsDataError:
        return None


def paper_metrics(rows: Sequence[dict], tgt_lang: str, name: str | None) -> dict:
    """{"paper_rouge": {rouge1, rouge2, rougeL (F1 in [0, 1]), unit, refused, note}}, or {} without a tokenizer."""
    chinese = base_language(tgt_lang) == "zh"
    found = paper_tokenizer(name) if chinese else (None, name or PAPER_TOKENIZER)
    if found is None:
        return {}
    tokenizer, label = found
    scores, refused = score_paper(
        [row["prediction"] for row in rows], [row["reference"] for row in rows], tgt_lang, tokenizer
    )
    note = refused_note(refused, len(rows))
    return {
        "paper_rouge": {
            **corpus_f1(scores),
            "unit": unit_label(tgt_lang, label),
            "refused": refused,
            **({"note": note} if note else {}),
        }
    }
