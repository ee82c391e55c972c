"""Text codecs of the non-mBART baselines (see `codec.py` for the protocol): NCLS's joint vocabulary and mBERT's.

`NclsCodec`: every role is `X </s>` in the dataset-trained joint vocabulary; the decoder input
`</s> Y` is derived by the model. `BertCodec`: sources are BERT's `[CLS] X [SEP]` (512 positions
at most); targets are content ids only, one position short of the limit, because the model frames
them with its `[unused]` start/end markers (and MCLAS joins two of them with its separator).
Decoding keeps the separator as text for MCLAS's post-processor and drops the other markers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from cls_data.benchmark.codec import ROLES


def _digest(tokenizer: Any) -> str:
    return hashlib.sha1(tokenizer.backend_tokenizer.to_str().encode("utf-8")).hexdigest()[:12]


def _load_tokenizer(backbone: str | Path) -> Any:
    from transformers import AutoTokenizer

    from cls_data.benchmark.pretrained import from_pretrained

    return from_pretrained(AutoTokenizer.from_pretrained, backbone, "the tokenizer of")


class NclsCodec:
    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.pad_id, self.eos_id = tokenizer.pad_token_id, tokenizer.eos_token_id
        self.key = f"ncls-{len(tokenizer)}-{_digest(tokenizer)}"

    def encode(self, texts: list[str], role: str, max_len: int) -> list[list[int]]:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {ROLES}")
        return self.tokenizer(texts, truncation=True, max_length=max_len)["input_ids"]

    def decode(self, ids: Any) -> list[str]:
        return self.tokenizer.batch_decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def save(self, folder: Path) -> None:
        self.tokenizer.save_pretrained(folder)


class BertCodec:
    def __init__(self, tokenizer: Any) -> None:
        from cls_data.benchmark.models.bert_seq2seq import Markers

        self.tokenizer = tokenizer
        self.markers = Markers.of(tokenizer)
        self.pad_id = tokenizer.pad_token_id
        self.key = f"bert-{len(tokenizer)}-{_digest(tokenizer)}"

    def encode(self, texts: list[str], role: str, max_len: int) -> list[list[int]]:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {ROLES}")
        if role == "source":
            return self.tokenizer(texts, truncation=True, max_length=min(max_len, 512))["input_ids"]
        return self.tokenizer(texts, add_special_tokens=False, truncation=True, max_length=max_len - 1)["input_ids"]

    def decode(self, ids: Any) -> list[str]:
        """Text of each generation: start marker and padding dropped, cut at the end marker, each separator kept
        as the text `[unused5]`. Done on ids, so it holds whether or not a tokenizer lists the markers as special."""
        from cls_data.benchmark.models.bert_seq2seq import LSEP
        from cls_data.benchmark.models.mclas import glue_cjk

        marks = self.markers
        texts = []
        for row in (ids.tolist() if hasattr(ids, "tolist") else ids):
            row = [t for t in row if t not in (marks.pad, marks.bos)]
            row = row[: row.index(marks.eos)] if marks.eos in row else row
            parts, start = [], 0
            for end in [i for i, t in enumerate(row) if t == marks.lsep] + [len(row)]:
                parts.append(self.tokenizer.decode(row[start:end], skip_special_tokens=True, clean_up_tokenization_spaces=True))
                start = end + 1
            texts.append(glue_cjk(f" {LSEP} ".join(" ".join(part.split()) for part in parts).strip()))
        return texts

    def save(self, folder: Path) -> None:
        self.tokenizer.save_pretrained(folder)


def ncls_codec(backbone: str | Path, src_lang: str, tgt_lang: str) -> NclsCodec:
    """The codec of a vocabulary folder written by `baseline_builders.ncls_backbone` (or its smoke twin)."""
    return NclsCodec(_load_tokenizer(backbone))


def bert_codec(backbone: str | Path, src_lang: str, tgt_lang: str) -> BertCodec:
    """The codec of an mBERT backbone (Hub id or folder)."""
    return BertCodec(_load_tokenizer(backbone))
