"""Text codecs: how a variant turns dataset columns into token ids and generated ids back into text.

A codec has `key` (identifies the tokenization, part of the data cache key), `pad_id`,
`encode(texts, role, max_len) -> list[list[int]]` with role "source" (encoder input), "target"
(cross-lingual labels) or "mono" (monolingual labels), `decode(ids) -> list[str]` and
`save(folder)`. The mBART family uses `MBartCodec`; other families bring their own.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Protocol


ROLES = ("source", "target", "mono")


class TextCodec(Protocol):
    key: str
    pad_id: int

    def encode(self, texts: list[str], role: str, max_len: int) -> list[list[int]]: ...

    def decode(self, ids: Any) -> list[str]: ...

    def save(self, folder: Path) -> None: ...


class MBartCodec:
    """mBART-cc25 layout (DESIGN.md): source `X </s> src_lang`, labels `Y </s> tgt_lang`.

    Monolingual labels are tokenized like a source, `Y </s> src_lang`, so the shifted decoder
    input starts with the source-language code (the monolingual decoder's start token).
    """

    def __init__(self, tokenizer: Any, src_lang: str, tgt_lang: str) -> None:
        from cls_data.benchmark.models.mbart import mbart_lang_code

        self.tokenizer = tokenizer
        self.src_code, self.tgt_code = mbart_lang_code(src_lang), mbart_lang_code(tgt_lang)
        self.src_lang_id = tokenizer.convert_tokens_to_ids(self.src_code)
        self.tgt_lang_id = tokenizer.convert_tokens_to_ids(self.tgt_code)
        self.pad_id = tokenizer.pad_token_id
        vocab = tokenizer.backend_tokenizer.to_str() if hasattr(tokenizer, "backend_tokenizer") else repr(sorted(tokenizer.get_vocab().items()))
        digest = hashlib.sha1(vocab.encode("utf-8")).hexdigest()[:12]
        self.key = f"mbart-{type(tokenizer).__name__}-{len(tokenizer)}-{digest}-{self.src_code}-{self.tgt_code}"

    def encode(self, texts: list[str], role: str, max_len: int) -> list[list[int]]:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {ROLES}")
        tok = self.tokenizer
        tok.src_lang, tok.tgt_lang = self.src_code, self.tgt_code
        if role == "target":
            return tok(text_target=texts, truncation=True, max_length=max_len)["input_ids"]
        return tok(texts, truncation=True, max_length=max_len)["input_ids"]

    def decode(self, ids: Any) -> list[str]:
        return self.tokenizer.batch_decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def save(self, folder: Path) -> None:
        self.tokenizer.save_pretrained(folder)


def mbart_codec(backbone: str | Path, src_lang: str, tgt_lang: str) -> MBartCodec:
    """The codec of an mBART backbone (Hub id or folder); offline without a local copy, one line."""
    from transformers import AutoTokenizer

    from cls_data.benchmark.pretrained import from_pretrained

    tokenizer = from_pretrained(AutoTokenizer.from_pretrained, backbone, "the tokenizer of")
    return MBartCodec(tokenizer, src_lang, tgt_lang)
