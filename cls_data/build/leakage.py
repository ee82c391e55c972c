"""Near-duplicate check across splits: n-gram shingle overlap between train and validation/test.

Exact duplicates are removed before splitting; this catches the near ones (a republished article
with a changed sentence, a summary with a different date). A pair leaks when the shared shingles
cover at least `threshold` of the smaller of the two shingle sets. Documents are compared on a
deterministic 1-in-`doc_sample` subset of their shingles (chosen by a stable hash, so both sides
keep the same ones), which keeps the index small at the paper's 11k documents.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cls_data.text import get_tokenizer, tokenizer_for_language

PAIRS = (("train", "validation"), ("train", "test"), ("validation", "test"))
MAX_POSTING = 200  # a shingle shared by more documents is boilerplate, not evidence of a duplicate


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


def shingles(text: str, lang: str, n: int, sample: int = 1) -> set[int]:
    """Stable 32-bit hashes of the token n-grams of `text`, keeping those with hash % sample == 0."""
    tokens = get_tokenizer(tokenizer_for_language(lang))(text)
    if len(tokens) < n:
        tokens_n = [" ".join(tokens)] if tokens else []
    else:
        tokens_n = [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    hashes = (zlib.crc32(gram.encode("utf-8")) for gram in tokens_n)
    return {h for h in hashes if h % sample == 0}


def _ngram_size(lang: str, field: str) -> int:
    chars = lang.lower().startswith("zh")  # one token per Han character: longer n-grams
    if field == "text":
        return 10 if chars else 6
    return 6 if chars else 4


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
        for left, right in PAIRS:
            index: dict[int, list[int]] = {}
            for i, grams in enumerate(sets[left]):
                for gram in grams:
                    index.setdefault(gram, []).append(i)
            for j, grams in enumerate(sets[right]):
                if not grams:
                    continue
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
