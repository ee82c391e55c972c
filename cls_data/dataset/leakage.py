"""Near-duplicate check across splits: n-gram shingle overlap between train and validation/test.

Exact duplicates are removed before splitting; this catches the near ones (a republished article
with a changed sentence, a summary with a different date). A pair leaks when the shared shingles
cover at least `threshold` of the smaller of the two shingle sets. Documents are compared on a
deterministic ~1-in-`doc_sample` subset of their shingles (those starting at an anchor token chosen
by a stable hash, so both sides keep the same ones), which keeps the index small at 11k documents.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cls_data.text import get_tokenizer, is_chinese, tokenizer_for_language

PAIRS = (("train", "validation"), ("train", "test"), ("validation", "test"))
MAX_POSTING = 200  # a shingle shared by more documents is boilerplate, not evidence of a duplicate
_TOKEN_HASH: dict[str, int] = {}


@dataclass(frozen=True)
class Leak:
    field: str
    split: str
    id: str
    other_split: str
    other_id: str
    overlap: float

    def as_dict(self) -> dict:
        return {**self.__dict__, "overlap": round(self.overlap, 3)}


def shingles(text: str, lang: str, n: int, sample: int = 1) -> set[tuple[str, ...]]:
    """The token n-grams of `text`; with `sample` > 1 only those starting at an anchor token.

    A token is an anchor when its stable CRC-32 is divisible by `sample`, so two copies of a
    text keep the same n-grams (unlike position-based sampling) and the choice is the same in
    every process (unlike `hash()`). Token hashes are memoised: vocabularies are small.
    """
    tokens = get_tokenizer(tokenizer_for_language(lang))(text)
    if len(tokens) <= n:
        return {tuple(tokens)} if tokens else set()
    if sample == 1:
        return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}
    hashes = _TOKEN_HASH
    anchors = []
    for i, token in enumerate(tokens[: len(tokens) - n + 1]):
        h = hashes.get(token)
        if h is None:
            h = hashes[token] = zlib.crc32(token.encode("utf-8"))
        if h % sample == 0:
            anchors.append(i)
    return {tuple(tokens[i : i + n]) for i in anchors}


def _ngram_size(lang: str, field: str) -> int:
    # One token per Han character (or per Japanese/Thai... character): longer n-grams.
    chars = is_chinese(lang) or tokenizer_for_language(lang) in ("chars", "clusters")
    if field == "text":
        return 10 if chars else 6
    return 6 if chars else 4


def _index(sets: list[set]) -> dict[tuple[str, ...], list[int]]:
    """Inverted index: shingle -> positions of the rows that contain it."""
    index: dict[tuple[str, ...], list[int]] = {}
    for i, grams in enumerate(sets):
        for gram in grams:
            index.setdefault(gram, []).append(i)
    return index


def find_leaks(
    splits: Mapping[str, Sequence[Mapping[str, str]]],
    src_lang: str,
    threshold: float = 0.8,
    doc_sample: int = 4,
) -> list[Leak]:
    """Pairs of rows in different splits whose document or summary is a near duplicate."""
    leaks: list[Leak] = []
    for field in ("text", "summary"):
        n, sample = _ngram_size(src_lang, field), doc_sample if field == "text" else 1
        sets = {
            name: [shingles(row[field], src_lang, n, sample) for row in splits.get(name, ())]
            for name in ("train", "validation", "test")
        }
        indexes = {name: _index(sets[name]) for name in ("train", "validation")}
        for left, right in PAIRS:
            index = indexes[left]
            for j, grams in enumerate(sets[right]):
                hits: Counter = Counter()
                for gram in grams:
                    posting = index.get(gram)
                    if posting and len(posting) <= MAX_POSTING:
                        hits.update(posting)
                for i, shared in hits.most_common(3):
                    overlap = shared / max(1, min(len(grams), len(sets[left][i])))
                    if overlap >= threshold:
                        leaks.append(Leak(field, right, splits[right][j]["id"], left, splits[left][i]["id"], overlap))
                        break
    return leaks
