"""Multilingual ROUGE-1/2/L on token lists, numerically identical to rouge-score.

Tokenization is the caller's job (see `cls_data.text`); on the same tokens these numbers equal
rouge-score's `RougeScorer.score` to the last bit, because precision, recall and F1 are computed
with the same operations in the same order. What makes it fast: n-grams counted by Counter's C
loop into plain dicts, ROUGE-L's longest common subsequence by a bit-parallel algorithm (Hyyrö
2004) on Python integers, which is O(len(pred)) big-integer steps instead of rouge-score's
O(len(ref) * len(pred)) table of Python objects, the cyclic GC paused during a batch, and large
batches spread over the available cores.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from array import array
from collections import _count_elements  # Counter's C counting loop, without Counter's overhead
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
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


def _counts(items: Iterable) -> dict:
    counts: dict = {}
    _count_elements(counts, items)
    return counts


def _clipped_overlap(pred: dict, ref: dict) -> int:
    """Sum of min(count in pred, count in ref); a plain loop beats Counter's `&`, which builds a Counter."""
    if len(pred) > len(ref):
        pred, ref = ref, pred
    overlap = 0
    get = ref.get
    for ngram, count in pred.items():
        other = get(ngram)
        if other:
            overlap += count if count < other else other
    return overlap


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence, one big-integer step per token of `b`."""
    if len(a) < len(b):
        a, b = b, a  # the longer sequence becomes the bit vector: fewer Python-level steps
    masks: dict[str, int] = {}
    for position, token in enumerate(a):
        masks[token] = masks.get(token, 0) | (1 << position)
    full = (1 << len(a)) - 1
    vector = full
    get = masks.get
    for token in b:
        match = get(token)
        if match:  # a token absent from `a` leaves the vector as it is
            match &= vector
            vector = ((vector + match) | (vector - match)) & full
    return len(a) - vector.bit_count()


def rouge_n(pred: Sequence[str], ref: Sequence[str], n: int) -> Score:
    overlap = _clipped_overlap(_ngrams(pred, n), _ngrams(ref, n))
    return _overlap_score(overlap, max(len(pred) - n + 1, 0), max(len(ref) - n + 1, 0))


def rouge_l(pred: Sequence[str], ref: Sequence[str]) -> Score:
    if not pred or not ref:
        return Score(0.0, 0.0, 0.0)
    lcs = lcs_length(ref, pred)
    precision = lcs / len(pred)
    recall = lcs / len(ref)
    return Score(precision, recall, _fmeasure(precision, recall))


def _ngrams(tokens: Sequence[str], n: int) -> dict:
    return _counts(tokens if n == 1 else zip(*(tokens[i:] for i in range(n)), strict=False))


def score_tokens(pred: Sequence[str], ref: Sequence[str]) -> PairScores:
    """ROUGE-1/2/L of one prediction against one reference, both already tokenized."""
    return PairScores(rouge_n(pred, ref, 1), rouge_n(pred, ref, 2), rouge_l(pred, ref))


def _paired(preds: Iterable, refs: Iterable) -> tuple[list, list]:
    preds, refs = list(preds), list(refs)
    if len(preds) != len(refs):
        raise ValueError(f"{len(preds)} predictions but {len(refs)} references")
    return preds, refs


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Batches allocate many small containers, each of which triggers the cyclic GC to rescan
    everything built so far; nothing here makes cycles, so pause it for the batch."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def score_token_pairs(preds: Iterable[Sequence[str]], refs: Iterable[Sequence[str]]) -> list[PairScores]:
    """Score many (prediction, reference) token-list pairs; lengths must match."""
    preds, refs = _paired(preds, refs)
    with _gc_paused():
        return [score_tokens(pred, ref) for pred, ref in zip(preds, refs, strict=False)]


# Below this many pairs a worker pool costs more to start (~0.3 s) than it saves.
PARALLEL_MIN_PAIRS = 20_000


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def score_texts(
    preds: Iterable[str], refs: Iterable[str], tokenizer: str, workers: int | None = None
) -> list[PairScores]:
    """Tokenize with the named tokenizer (see `cls_data.text.TOKENIZERS`), then score each pair.

    `workers` processes share a large batch; by default every available core for batches of
    at least PARALLEL_MIN_PAIRS pairs, else one. Results come back in input order.
    """
    get_tokenizer(tokenizer)  # an unknown name fails here, not in a worker
    preds, refs = _paired(preds, refs)
    if workers is None:
        workers = available_cores() if len(preds) >= PARALLEL_MIN_PAIRS else 1
    if workers <= 1:
        return _score_text_chunk((tokenizer, preds, refs))
    size = -(-len(preds) // (workers * 4))  # a few chunks per worker evens out their load
    chunks = [(tokenizer, preds[i : i + size], refs[i : i + size]) for i in range(0, len(preds), size)]
    # forkserver, not fork: callers (the filter) run threads, and forking those can deadlock.
    context = multiprocessing.get_context("forkserver")
    with context.Pool(workers) as pool:
        flat = pool.map(_score_text_chunk_flat, chunks)
    with _gc_paused():
        return [pair for values in flat for pair in _unflatten(values)]


def _score_text_chunk(job: tuple[str, list[str], list[str]]) -> list[PairScores]:
    tokenizer, preds, refs = job
    tokenize = get_tokenizer(tokenizer)
    with _gc_paused():
        # Tokens are made per pair and dropped at once, inside the GC pause: tokenizing the whole
        # batch first (as score_token_pairs would) builds batch-sized lists with the GC running.
        return [score_tokens(tokenize(pred), tokenize(ref)) for pred, ref in zip(preds, refs, strict=False)]


def _score_text_chunk_flat(job: tuple[str, list[str], list[str]]) -> array:
    """A worker's results as 9 doubles per pair: pickling namedtuples costs more than scoring."""
    values = array("d")
    for pair in _score_text_chunk(job):
        values.extend(pair.rouge1)
        values.extend(pair.rouge2)
        values.extend(pair.rougeL)
    return values


def _unflatten(values: array) -> list[PairScores]:
    """Nine doubles per pair back into PairScores; zip over one iterator groups them in C."""
    numbers = iter(values.tolist())
    scores = map(Score._make, zip(numbers, numbers, numbers, strict=False))
    return list(map(PairScores._make, zip(scores, scores, scores, strict=False)))


def corpus_f1(scores: Sequence[PairScores]) -> dict[str, float]:
    """Corpus ROUGE: the mean of per-pair F1 for each metric, in [0, 1]."""
    if not scores:
        return dict.fromkeys(METRICS, 0.0)
    return {metric: sum(getattr(pair, metric).fmeasure for pair in scores) / len(scores) for metric in METRICS}
