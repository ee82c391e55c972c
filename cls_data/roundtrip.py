"""Round-trip filter: translate summaries, back-translate, score by ROUGE, keep the best K."""

from __future__ import annotations

import math
import os
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.errors import ClsDataError
from cls_data.records import Article, CLSSample, peek_first, read_jsonl
from cls_data.rouge import METRICS, score_texts
from cls_data.text import nfc, normalize, tokenizer_for_language

RANK_BY = ("mean", "rouge1", "rouge2", "rougeL")
SCORES = ("roundtrip", "xsim", "both")


@dataclass
class FilterConfig:
    """Everything `run_filter` needs; the CLI fills it from its options."""

    input: Path
    out: Path
    keep: int | None = 11_000  # None: every sample that passes the thresholds
    translator: str = "google"
    src: str = "vi"
    tgt: str = "zh"
    translator_url: str | None = None  # google: endpoint override; libretranslate: the server
    model: str | None = None  # hf: checkpoint name or local path
    cache: Path | None = None  # None: the user cache directory
    concurrency: int = 4
    rate: float = 0.0  # requests per second, 0 = unlimited
    max_retries: int = 6
    backoff_base: float = 1.0
    timeout: float = 30.0
    give_up_after: float = 300.0  # stop when no request has succeeded for this long (seconds)
    batch_size: int = 16  # texts per request for libretranslate / per batch for hf
    max_chars: int = 5000  # characters per packed request
    pack: bool = True
    rank_by: str = "mean"
    min_score: float | None = None  # thresholds in [0, 1]
    min_rouge1: float | None = None
    min_rouge2: float | None = None
    score: str = "roundtrip"
    encoder: str | None = None  # xsim encoder (LaBSE, MEXMA, a local path)
    tokenizer: str | None = None  # default: the source language's
    progress: bool = True
    command: str = ""  # the command line that ran, said when a run stops early (how to resume)
    check_language: bool = True  # reject answers not in the target language's script


@dataclass
class FilterResult:
    report: dict
    warnings: list[str] = field(default_factory=list)
    scored: list[CLSSample] = field(default_factory=list)
    kept: list[CLSSample] = field(default_factory=list)


def read_samples(path: Path, src: str, tgt: str) -> list[CLSSample]:
    """`Article` or `CLSSample` JSONL (told apart by `src_lang`) as CLSSamples; needs summaries."""
    path = Path(path)
    first = peek_first(path)
    is_sample = first is not None and "src_lang" in first  # else read_jsonl reports the bad line
    samples = []
    for number, record in enumerate(read_jsonl(path, CLSSample if is_sample else Article), start=1):
        sample = record if is_sample else CLSSample.from_article(record, tgt)
        sample.src_lang, sample.tgt_lang = src, tgt
        # NFC as DESIGN.md promises: an NFD summary would reach kept.jsonl and the dataset as it came.
        sample.summary, sample.text = nfc(sample.summary), nfc(sample.text)
        sample.title = nfc(sample.title) if sample.title else sample.title
        if not normalize(sample.summary):
            raise ClsDataError(f"{path}: record {number} (id {sample.id}) has no summary")
        samples.append(sample)
    if not samples:
        raise ClsDataError(f"{path}: no records")
    return samples


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
    for sample, pair in zip(samples, scores):
        sample.rt_scores = pair.f1()
        sample.rt_score = rank_value(sample.rt_scores, rank_by)


def rank(samples: list[CLSSample]) -> list[CLSSample]:
    """Best first; equal scores in `id` order, so the top K never depends on input order."""
    return sorted(samples, key=lambda s: (-s.rt_score, s.id))


def passes(sample: CLSSample, config: FilterConfig) -> bool:
    if config.min_score is not None and sample.rt_score < config.min_score:
        return False
    rt = sample.rt_scores or {}
    if config.min_rouge1 is not None and rt.get("rouge1", 0.0) < config.min_rouge1:
        return False
    return config.min_rouge2 is None or rt.get("rouge2", 0.0) >= config.min_rouge2


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
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    var = math.sqrt(sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb))
    return cov / var if var else None


def quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:  # linear interpolation, like numpy's default
        pos = q * (len(ordered) - 1)
        low = math.floor(pos)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)

    return {name: round(100 * at(q), 2) for name, q in
            (("min", 0), ("p10", .1), ("p25", .25), ("p50", .5), ("p75", .75), ("p90", .9), ("max", 1))}


def _validate(config: FilterConfig) -> None:
    if config.rank_by not in RANK_BY:
        raise ClsDataError(f"unknown --rank-by {config.rank_by!r}; choose one of: {', '.join(RANK_BY)}")
    if config.score not in SCORES:
        raise ClsDataError(f"unknown --score {config.score!r}; choose one of: {', '.join(SCORES)}")
    if config.score != "roundtrip" and not config.encoder:
        raise ClsDataError(f"--score {config.score} needs --encoder (e.g. sentence-transformers/LaBSE)")
    if config.score == "xsim" and (config.min_rouge1 is not None or config.min_rouge2 is not None):
        raise ClsDataError("--min-rouge1/--min-rouge2 need a round trip: use --score roundtrip or both")
    thresholds = (config.min_score, config.min_rouge1, config.min_rouge2)
    if config.keep is None and all(t is None for t in thresholds):
        raise ClsDataError("say what to keep: --keep K (the best K), a threshold (--min-score, --min-rouge1,"
                           " --min-rouge2), or both")
    if config.keep is not None and config.keep < 1:
        raise ClsDataError(f"--keep must be 1 or more, got {config.keep}")
    for name in ("min_score", "min_rouge1", "min_rouge2"):
        value = getattr(config, name)
        if value is not None and not 0 <= value <= 1:
            raise ClsDataError(f"--{name.replace('_', '-')} is a fraction in [0, 1], got {value}")


def _prepare_out(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ClsDataError(f"{out}: cannot write the outputs there ({exc.strerror or exc})") from None
    if not os.access(out, os.W_OK):
        raise ClsDataError(f"{out}: cannot write the outputs there (permission denied)")


def run_filter(config: FilterConfig) -> FilterResult:
    """Translate, back-translate, score, rank and write scored/kept/failures/report in `config.out`."""
    from cls_data.filter_report import progress_bars, write_outputs
    from cls_data.translate import (
        DEFAULT_CACHE, EngineConfig, TranslationCache, check_settings, make_translator, translate_texts,
    )

    started = time.monotonic()
    _validate(config)
    resume = f"resume with: {config.command}" if config.command else "rerun the same command to resume"
    engine = EngineConfig(concurrency=config.concurrency, rate=config.rate, max_retries=config.max_retries,
                          backoff_base=config.backoff_base, pack=config.pack, give_up_after=config.give_up_after,
                          resume=resume, check_language=config.check_language)
    check_settings(config.timeout, config.batch_size, config.max_chars)
    tokenizer = config.tokenizer or tokenizer_for_language(config.src)
    samples = read_samples(config.input, config.src, config.tgt)  # input errors before any request
    _prepare_out(config.out)  # and an unusable --out too, not after hours of translation
    translator = make_translator(config.translator, url=config.translator_url, model=config.model,
                                 timeout=config.timeout, batch_size=config.batch_size, max_chars=config.max_chars)
    try:  # the backend's connections are released on every path out
        src, tgt = translator.codes(config.src, config.tgt)
        cache = TranslationCache(config.cache or DEFAULT_CACHE)
        keys = [normalize(s.summary) for s in samples]
        passes_stats = {}
        try:
            with progress_bars(config.progress) as bar:
                forward, passes_stats["forward"] = translate_texts(
                    keys, translator, src, tgt, cache, engine, bar(f"{src} → {tgt}", len(set(keys))))
                back: dict[str, str] = {}
                # Each distinct translation normalised once: the back pass's keys, looked up below.
                mid_of = {key: normalize(text) for key, text in forward.items()}
                if config.score != "xsim":
                    mids = sorted(set(mid_of.values()))
                    back, passes_stats["back"] = translate_texts(
                        mids, translator, tgt, src, cache, engine, bar(f"{tgt} → {src}", len(mids)))
        finally:
            cache.close()
    finally:
        translator.close()

    scored, failures = [], []
    # Provenance travels with each record: the dataset card names the backend from it. Only a
    # local model's name is worth publishing (LibreTranslate's "model" is its server's URL).
    backend = f"hf ({translator.model})" if translator.name == "hf" else translator.name
    for sample, key in zip(samples, keys):
        if key not in forward:
            failures.append({"id": sample.id, "stage": "forward", "text": key,
                             "error": passes_stats["forward"].failures.get(key, "not translated")})
            continue
        sample.cls_summary = nfc(forward[key])
        sample.extra["translator"] = backend
        if config.score != "xsim":
            mid = mid_of[key]
            if mid not in back:
                failures.append({"id": sample.id, "stage": "back", "text": mid,
                                 "error": passes_stats["back"].failures.get(mid, "not translated")})
                continue
            sample.back_summary = nfc(back[mid])
        scored.append(sample)

    agreement = None
    if config.score != "xsim":
        score_roundtrip(scored, tokenizer, config.rank_by)
    if config.score != "roundtrip":
        from cls_data.xsim import xsim_scores

        sims = xsim_scores([s.summary for s in scored], [s.cls_summary for s in scored], config.encoder)
        for sample, sim in zip(scored, sims):
            sample.extra["xsim"] = sim
        if config.score == "xsim":
            for sample, sim in zip(scored, sims):
                sample.rt_score = sim
        else:
            agreement = _combine(scored, config.keep)

    ranked = rank(scored)
    distinct, duplicates = drop_duplicates(ranked)
    eligible = [s for s in distinct if passes(s, config)]
    kept = eligible[:config.keep]
    notes = []
    if sum(duplicates.values()):
        notes.append(f"dropped {sum(duplicates.values())} samples that repeat a better-ranked one"
                     f" ({', '.join(f'{reason}: {n}' for reason, n in sorted(duplicates.items()))}):"
                     " kept.jsonl holds distinct samples only")
    if config.keep is not None and config.keep > len(eligible):
        notes.append(f"--keep {config.keep} but only {len(eligible)} distinct samples were scored and passed"
                     f" the thresholds: keeping all {len(eligible)}")
    if failures:
        notes.append(f"{len(failures)} samples could not be translated; they are listed in failures.jsonl"
                     " and were not scored (rerun to retry them: finished translations come from the cache)")
    for note in notes:
        warnings.warn(note, stacklevel=2)
    report = {
        "input": str(config.input), "translator": translator.name, "model": translator.model,
        "languages": {"src": src, "tgt": tgt}, "score": config.score, "rank_by": config.rank_by,
        "tokenizer": tokenizer, "scale": "scores x100",
        "thresholds": {"min_score": config.min_score, "min_rouge1": config.min_rouge1, "min_rouge2": config.min_rouge2},
        "counts": {"input": len(samples), "scored": len(scored), "failed": len(failures),
                   "duplicates": sum(duplicates.values()), "passed_thresholds": len(eligible), "kept": len(kept),
                   "keep_requested": config.keep},
        "duplicates": dict(sorted(duplicates.items())),
        "rejects": _rejects(passes_stats),
        "failures": {"forward": sum(f["stage"] == "forward" for f in failures),
                     "back": sum(f["stage"] == "back" for f in failures), "file": "failures.jsonl"},
        "cutoff_score": round(100 * kept[-1].rt_score, 4) if kept else None,
        "score_quantiles": quantiles([s.rt_score for s in scored]),
        "kept_quantiles": quantiles([s.rt_score for s in kept]),
        "translation": {name: stats.as_json() for name, stats in passes_stats.items()},
        "requests_sent": sum(stats.requests for stats in passes_stats.values()),
        "cache_hits": sum(stats.cache_hits for stats in passes_stats.values()),
        "agreement": agreement,
        "warnings": notes,
        "seconds": round(time.monotonic() - started, 2),
    }
    write_outputs(Path(config.out), ranked, kept, failures, report, config)
    return FilterResult(report=report, warnings=notes, scored=ranked, kept=kept)


def drop_duplicates(ranked: list[CLSSample]) -> tuple[list[CLSSample], Counter]:
    """The best-ranked copy of each sample; a later one with the same id, document or summary
    (after normalisation and case folding, as `build` judges them) is dropped and counted."""
    from cls_data.build.dedup import DedupKey, Deduplicator, fingerprint

    dedup = Deduplicator()
    distinct = []
    for sample in ranked:
        # Without a document only the id and the summary can tell: no two empty texts collide.
        document = fingerprint(sample.text) if sample.text.strip() else fingerprint(f"\0{sample.id}")
        if dedup.keep(DedupKey(sample.id, True, document, fingerprint(sample.summary))):
            distinct.append(sample)
    return distinct, dedup.dropped


def _rejects(passes_stats: dict) -> dict[str, int]:
    """Answers rejected by the checks (never cached), by reason, over both passes."""
    total: Counter = Counter()
    for stats in passes_stats.values():
        total.update(stats.rejects)
    return dict(sorted(total.items()))


def _combine(scored: list[CLSSample], keep: int | None) -> dict:
    """`both`: rank by the mean of the two fractional ranks (scale-free: ROUGE and cosine differ)."""
    keep = len(scored) if keep is None else keep
    rt = [s.rt_score for s in scored]
    sims = [s.extra["xsim"] for s in scored]
    rt_ranks, sim_ranks = fractional_ranks(rt), fractional_ranks(sims)
    top_rt = {s.id for s in rank(scored)[:keep]}
    for sample, a, b in zip(scored, rt_ranks, sim_ranks):
        sample.extra["rt_rouge"] = sample.rt_score
        sample.rt_score = (a + b) / 2
    by_sim = sorted(scored, key=lambda s: (-s.extra["xsim"], s.id))[:keep]
    overlap = len(top_rt & {s.id for s in by_sim})
    return {"combination": "mean of fractional ranks of round-trip ROUGE and xsim",
            "top_k_overlap": overlap, "top_k_overlap_fraction": round(overlap / max(1, min(keep, len(scored))), 4),
            "spearman": None if (rho := spearman(rt, sims)) is None else round(rho, 4)}
