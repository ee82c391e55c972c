"""Multilingual ROUGE-1/2/L on token lists, numerically identical to rouge-score.

Tokenization is the caller's job (see `cls_data.text`); on the same tokens these numbers equal
rouge-score's `RougeScorer.score` to the last bit, because precision, recall and F1 are computed
with the same operations in the same order. What makes it fast: n-gram overlaps with Counter
intersections in C, and ROUGE-L's longest common subsequence with a bit-parallel algorithm
(Hyyrö 2004) on Python integers, which is O(len(ref)) big-integer steps instead of rouge-score's
O(len(ref) * len(pred)) table of Python objects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from cls_data.text import get_tokenizer

METRICS = ("rouge1", "rouge2", "rougeL")


class Score(NamedTuple):
    precision: float
    recall: float
    fmeasure: float


class PairScores(NamedTuple):
    rouge1: Score
    rouge2: Score
    rougeL: Score

    def f1(self) -> dict[str, float]:
        return {"rouge1": self.rouge1.fmeasure, "rouge2": self.rouge2.fmeasure, "rougeL": self.rougeL.fmeasure}


def _fmeasure(precision: float, recall: float) -> float:
    if precision + recall > 0:
        return 2 * precision * recall / (precision + recall)
    return 0.0


def _overlap_score(overlap: int, pred_count: int, ref_count: int) -> Score:
    precision = overlap / max(pred_count, 1)
    recall = overlap / max(ref_count, 1)
    return Score(precision, recall, _fmeasure(precision, recall))


def _ngram_score(pred: Counter, ref: Counter) -> Score:
    overlap = sum((pred & ref).values()) if pred and ref else 0
    return _overlap_score(overlap, sum(pred.values()), sum(ref.values()))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence, one big-integer step per token of `b`."""
    if len(a) < len(b):
        a, b = b, a  # the longer sequence becomes the bit vector: fewer Python-level steps
    masks: dict[str, int] = {}
    for position, token in enumerate(a):
        masks[token] = masks.get(token, 0) | (1 << position)
    full = (1 << len(a)) - 1
    vector = full
    for token in b:
        match = vector & masks.get(token, 0)
        vector = ((vector + match) | (vector - match)) & full
    return len(a) - vector.bit_count()


def rouge_n(pred: Sequence[str], ref: Sequence[str], n: int) -> Score:
    return _ngram_score(_ngrams(pred, n), _ngrams(ref, n))


def rouge_l(pred: Sequence[str], ref: Sequence[str]) -> Score:
    if not pred or not ref:
        return Score(0.0, 0.0, 0.0)
    lcs = lcs_length(ref, pred)
    precision = lcs / len(pred)
    recall = lcs / len(ref)
    return Score(precision, recall, _fmeasure(precision, recall))


def _ngrams(tokens: Sequence[str], n: int) -> Counter:
    if n == 1:
        return Counter(tokens)
    return Counter(zip(*(tokens[i:] for i in range(n))))


def score_tokens(pred: Sequence[str], ref: Sequence[str]) -> PairScores:
    """ROUGE-1/2/L of one prediction against one reference, both already tokenized."""
    return PairScores(rouge_n(pred, ref, 1), rouge_n(pred, ref, 2), rouge_l(pred, ref))


def score_token_pairs(preds: Iterable[Sequence[str]], refs: Iterable[Sequence[str]]) -> list[PairScores]:
    """Score many (prediction, reference) token-list pairs; lengths must match."""
    preds, refs = list(preds), list(refs)
    if len(preds) != len(refs):
        raise ValueError(f"{len(preds)} predictions but {len(refs)} references")
    return [score_tokens(pred, ref) for pred, ref in zip(preds, refs)]


def score_texts(preds: Iterable[str], refs: Iterable[str], tokenizer: str) -> list[PairScores]:
    """Tokenize with the named tokenizer (see `cls_data.text.TOKENIZERS`), then score."""
    tokenize = get_tokenizer(tokenizer)
    return score_token_pairs(map(tokenize, preds), map(tokenize, refs))


def corpus_f1(scores: Sequence[PairScores]) -> dict[str, float]:
    """Corpus ROUGE: the mean of per-pair F1 for each metric, in [0, 1]."""
    if not scores:
        return dict.fromkeys(METRICS, 0.0)
    return {
        metric: sum(getattr(pair, metric).fmeasure for pair in scores) / len(scores)
        for metric in METRICS
    }
