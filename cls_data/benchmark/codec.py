"""Text codecs: how a variant turns dataset columns into token ids and generated ids back into text.

A codec has `key` (identifies the tokenization, part of the data cache key), `pad_id`,
`encode(texts, role, max_len) -> list[list[int]]` with role "source" (encoder input), "target"
(cross-lingual labels) or "mono" (monolingual labels), `decode(ids) -> list[str]` and
`save(folder)`. Each family module (`families/`) brings its own codec, called as
`codec(backbone, src_lang, tgt_lang) -> TextCodec`.
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


def vocabulary_text(tokenizer: Any) -> str:
    """The tokenizer's whole vocabulary and rules as text (what a codec's `key` hashes)."""
    if hasattr(tokenizer, "backend_tokenizer"):
        return tokenizer.backend_tokenizer.to_str()
    return repr(sorted(tokenizer.get_vocab().items()))


def tokenizer_digest(tokenizer: Any) -> str:
    """12 hex digits identifying the tokenizer's vocabulary, for a codec's `key`."""
    return hashlib.sha1(vocabulary_text(tokenizer).encode("utf-8")).hexdigest()[:12]
