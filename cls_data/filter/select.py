"""Scoring, ranking and top-K selection: what ranks the samples under each `--score` mode.

The ranking score is named for what it is: `rt_score` (round-trip ROUGE F1, `--score roundtrip`),
`extra["xsim"]` (cosine similarity of the summary and its translation, `--score xsim`) or
`extra["rank_mean"]` (mean of the two fractional ranks, `--score both`). `rt_score` always means
round-trip ROUGE, whatever ranks.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from cls_data.records import CLSSample
from cls_data.rouge import METRICS, score_texts

RANK_BY = ("mean", "rouge1", "rouge2", "rougeL")
SCORES = ("roundtrip", "xsim", "both")
# --score -> (the name of the ranking score, what it is); every value in [0, 1] (cosine in [-1, 1]).
RANKING_SCORES = {
    "roundtrip": ("rt_score", "round-trip ROUGE F1 ({rank_by}) between the summary and its back-translation"),
    "xsim": ("xsim", "cosine similarity of the summary and its translation (mean-pooled {encoder} embeddings)"),
    "both": ("rank_mean", "mean of the fractional ranks of round-trip ROUGE ({rank_by}) and xsim"),
}


def rank_value(f1: dict[str, float], rank_by: str) -> float:
    if rank_by == "mean":
        return sum(f1[m] for m in METRICS) / len(METRICS)
    return f1[rank_by]


def score_roundtrip(samples: list[CLSSample], tokenizer: str, rank_by: str, workers: int | None = None) -> None:
    """Fill `rt_scores` (ROUGE F1 of back_summary against summary) and `rt_score` in place.

    Large inputs are spread over the CPU cores by `cls_data.rouge.score_texts` (`workers`).
    """
    backs = [s.back_summary or "" for s in samples]
    scores = score_texts(backs, [s.summary for s in samples], tokenizer, workers=workers)
    for sample, pair in zip(samples, scores, strict=False):
        sample.rt_scores = pair.f1()
        sample.rt_score = rank_value(sample.rt_scores, rank_by)


def ranking_score(sample: CLSSample, score: str = "roundtrip") -> float:
    """The value that ranks `sample` under `--score score` (see RANKING_SCORES)."""
    return sample.rt_score if score == "roundtrip" else sample.extra[RANKING_SCORES[score][0]]


def rank(samples: list[CLSSample], score: str = "roundtrip") -> list[CLSSample]:
    """Best first; equal scores in `id` order, so the top K never depends on input order."""
    return sorted(samples, key=lambda s: (-ranking_score(s, score), s.id))


def passes(
    sample: CLSSample, score: str, min_score: float | None, min_rouge1: float | None, min_rouge2: float | None
) -> bool:
    """Whether `sample` clears every threshold (all in [0, 1]; `min_score` is on the ranking score)."""
    if min_score is not None and ranking_score(sample, score) < min_score:
        return False
    rt = sample.rt_scores or {}
    if min_rouge1 is not None and rt.get("rouge1", 0.0) < min_rouge1:
        return False
    return min_rouge2 is None or rt.get("rouge2", 0.0) >= min_rouge2


def drop_duplicates(ranked: list[CLSSample]) -> tuple[list[CLSSample], Counter]:
    """The best-ranked copy of each sample; a later one with the same id, document or summary
    (after normalisation and case folding, as `build` judges them) is dropped and counted by reason."""
    from cls_data.dataset.dedup import DedupKey, Deduplicator, fingerprint

    dedup = Deduplicator()
    distinct = []
    for sample in ranked:
        # Without a document only the id and the summary can tell: no two empty texts collide.
        document = fingerprint(sample.text) if sample.text.strip() else fingerprint(f"\0{sample.id}")
        if dedup.keep(DedupKey(sample.id, True, document, fingerprint(sample.summary))):
            distinct.append(sample)
    return distinct, dedup.dropped


def fractional_ranks(values: list[float]) -> list[float]:
    """Ranks scaled to [0, 1], ties sharing their average rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    top = max(len(values) - 1, 1)
    return [r / top for r in ranks]


def spearman(a: list[float], b: list[float]) -> float | None:
    if len(a) < 2:
        return None
    ra, rb = fractional_ranks(a), fractional_ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=False))
    var = math.sqrt(sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb))
    return cov / var if var else None


def quantiles(values: list[float]) -> dict[str, float]:
    """min, p10 ... p90, max of `values`, on their own scale ([0, 1] for scores)."""
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:  # linear interpolation, like numpy's default
        pos = q * (len(ordered) - 1)
        low = math.floor(pos)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)

    return {
        name: round(at(q), 6)
        for name, q in (("min", 0), ("p10", 0.1), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p90", 0.9), ("max", 1))
    }


@dataclass
class Agreement:
    """How far the two scores of `--score both` agree on the top K."""

    combination: str
    top_k_overlap: int
    top_k_overlap_fraction: float
    spearman: float | None


def combine(scored: list[CLSSample], keep: int) -> Agreement:
    """`both`: `extra["rank_mean"]` = mean of the fractional ranks of round-trip ROUGE and xsim
    (scale-free: ROUGE and cosine differ), and how far the two agree."""
    rt = [s.rt_score for s in scored]
    sims = [s.extra["xsim"] for s in scored]
    for sample, a, b in zip(scored, fractional_ranks(rt), fractional_ranks(sims), strict=False):
        sample.extra["rank_mean"] = (a + b) / 2
    top_rt = {s.id for s in rank(scored, "roundtrip")[:keep]}
    top_sim = {s.id for s in rank(scored, "xsim")[:keep]}
    overlap = len(top_rt & top_sim)
    rho = spearman(rt, sims)
    return Agreement(
        combination="mean of fractional ranks of round-trip ROUGE and xsim",
        top_k_overlap=overlap,
        top_k_overlap_fraction=round(overlap / max(1, min(keep, len(scored))), 4),
        spearman=None if rho is None else round(rho, 4),
    )
