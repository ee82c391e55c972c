"""Text codecs: how a variant turns dataset columns into token ids and generated ids back into text.

A codec has `key` (identifies the tokenization, part of the data cache key), `pad_id`,
`encode(texts, role, max_len) -> list[list[int]]` with role "source" (encoder input), "target"
(cross-lingual labels) or "mono" (monolingual labels), `decode(ids) -> list[str]` and
`save(folder)`. Each family module (`families/`) brings its own codec, called as
`codec(backbone, src_lang, tgt_lang) -> TextCodec`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol


ROLES = ("source", "target", "mono")


class TextCodec(Protocol):
    key: str
    pad_id: int

    def encode(self, texts: list[str], role: str, max_len: int) -> list[list[int]]: ...

    def decode(self, ids: Any) -> list[str]: ...

    def save(self, folder: Path) -> None: ...
