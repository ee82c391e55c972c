"""`run_filter`: read summaries, translate them there and back, score, rank, keep the best K, write.

Each step is a function below, called in order by `run_filter`.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.errors import ClsDataError
from cls_data.filter.report import FilterCounts, FilterReport, write_outputs
from cls_data.filter.select import (
    RANK_BY,
    RANKING_SCORES,
    SCORES,
    Agreement,
    combine,
    drop_duplicates,
    passes,
    quantiles,
    rank,
    ranking_score,
    score_roundtrip,
)
from cls_data.records import Article, CLSSample, peek_first, read_jsonl
from cls_data.text import nfc, normalize, tokenizer_for_language

# on_progress(pass, settled, total): `settled` more texts of translation pass `pass` ("vi → zh") are done.
Progress = Callable[[str, int, int], None]


@dataclass
class FilterConfig:
    """Everything `run_filter` needs; the CLI fills it from its options."""

    input: Path
    out: Path
    keep: int | None = 11_000  # None: every sample that passes the thresholds
    translator: str = "google"
    src: str = "vi"
    tgt: str = "zh"
    translator_url: str | None = None  # google: endpoint override; libretranslate, openai: the server
    model: str | None = None  # hf: checkpoint name or local path; openai: the served model's name
    cache: Path | None = None  # None: the user cache directory
    concurrency: int = 4
    rate: float = 0.0  # requests per second, 0 = unlimited
    max_retries: int = 6
    backoff_base: float = 1.0
    timeout: float = 30.0
    batch_size: int = 16  # texts per request for libretranslate and openai / per batch for hf
    max_chars: int = 5000  # characters per packed request
    pack: bool = True
    rank_by: str = "mean"
    min_score: float | None = None  # thresholds in [0, 1]; min_score is on the ranking score
    min_rouge1: float | None = None
    min_rouge2: float | None = None
    score: str = "roundtrip"
    encoder: str | None = None  # xsim encoder (LaBSE, MEXMA, a local path)
    tokenizer: str | None = None  # default: the source language's
    give_up_after: float = 300.0  # stop when no request has succeeded for this long (seconds)
    check_language: bool = True  # reject answers not in the target language's script
    command: str = ""  # the command line that ran, said when a run stops early (how to resume)

    @property
    def round_trip(self) -> bool:
        return self.score != "xsim"


@dataclass
class FilterResult:
    report: FilterReport
    scored: list[CLSSample] = field(default_factory=list)  # best first
    kept: list[CLSSample] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        return self.report.notes


@dataclass
class Translations:
    """Both passes of the round trip, keyed by normalised text."""

    name: str  # the backend
    model: str | None
    src: str  # the backend's codes
    tgt: str
    keys: list[str]  # each sample's normalised summary, in input order
    forward: dict[str, str]  # summary -> translation
    mid_of: dict[str, str]  # summary -> its translation normalised (the back pass's key)
    back: dict[str, str]  # normalised translation -> back-translation
    passes: dict  # "forward"/"back" -> PassStats

    @property
    def backend(self) -> str:
        """As the dataset card names it: only a model's name is worth publishing
        (LibreTranslate's "model" is its server's URL)."""
        return f"{self.name} ({self.model})" if self.name in ("hf", "openai") else self.name


def run_filter(config: FilterConfig, on_progress: Progress | None = None) -> FilterResult:
    """Translate, back-translate, score, rank and write scored/kept/failures/report in `config.out`."""
    started = time.monotonic()
    _validate(config)
    engine = _engine(config)  # settings out of range are one line before anything is read
    tokenizer = config.tokenizer or tokenizer_for_language(config.src)  # configuration errors first,
    samples = read_samples(config.input, config.src, config.tgt)  # input errors before any request,
    _prepare_out(config.out)  # and an unusable --out too, not after hours of translation
    translations = translate(samples, config, engine, on_progress)
    scored, failures = attach(samples, translations, config.round_trip)
    agreement = score(scored, config, tokenizer)
    ranked = rank(scored, config.score)
    distinct, duplicates = drop_duplicates(ranked)  # kept.jsonl holds K *distinct* samples: build needs them
    eligible = [s for s in distinct if passes(s, config.score, config.min_score, config.min_rouge1, config.min_rouge2)]
    kept = eligible[: config.keep]
    report = make_report(
        config, translations, tokenizer, samples, ranked, eligible, kept, failures, agreement, duplicates
    )
    report.seconds = round(time.monotonic() - started, 2)
    write_outputs(Path(config.out), ranked, kept, failures, report, [ranking_score(s, config.score) for s in ranked])
    return FilterResult(report=report, scored=ranked, kept=kept)


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
        raise ClsDataError(
            "say what to keep: --keep K (the best K), a threshold (--min-score, --min-rouge1, --min-rouge2), or both"
        )
    if config.keep is not None and config.keep < 1:
        raise ClsDataError(f"--keep must be 1 or more, got {config.keep}")
    for name in ("min_score", "min_rouge1", "min_rouge2"):
        value = getattr(config, name)
        if value is not None and not 0 <= value <= 1:
            raise ClsDataError(f"--{name.replace('_', '-')} is a fraction in [0, 1], got {value}")


def read_samples(path: Path, src: str, tgt: str) -> list[CLSSample]:
    """`Article` or `CLSSample` JSONL (told apart by `src_lang`) as CLSSamples; needs summaries."""
    path = Path(path)
    first = peek_first(path)
    is_sample = first is not None and "src_lang" in first  # else read_jsonl reports the bad line
    samples = []
    for number, record in enumerate(read_jsonl(path, CLSSample if is_sample else Article), start=1):
        sample = record if is_sample else CLSSample.from_article(record, tgt)
        sample.src_lang, sample.tgt_lang = src, tgt
        # NFC as docs/formats.md promises: an NFD summary would reach kept.jsonl and the dataset as it came.
        sample.summary, sample.text = nfc(sample.summary), nfc(sample.text)
        sample.title = nfc(sample.title) if sample.title else sample.title
        if not normalize(sample.summary):
            raise ClsDataError(f"{path}: record {number} (id {sample.id}) has no summary")
        samples.append(sample)
    if not samples:
        raise ClsDataError(f"{path}: no records")
    return samples


def _prepare_out(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ClsDataError(f"{out}: cannot write the outputs there ({exc.strerror or exc})") from None
    if not os.access(out, os.W_OK):
        raise ClsDataError(f"{out}: cannot write the outputs there (permission denied)")


def _engine(config: FilterConfig):
    """The request engine's settings; out-of-range ones (--retries -1, --timeout 0...) stop with one line."""
    from cls_data.translate import EngineConfig, check_settings

    check_settings(config.timeout, config.batch_size, config.max_chars)
    resume = f"resume with: {config.command}" if config.command else "rerun the same command to resume"
    return EngineConfig(
        concurrency=config.concurrency,
        rate=config.rate,
        max_retries=config.max_retries,
        backoff_base=config.backoff_base,
        pack=config.pack,
        give_up_after=config.give_up_after,
        resume=resume,
        check_language=config.check_language,
    )


def translate(samples: list[CLSSample], config: FilterConfig, engine, on_progress: Progress | None) -> Translations:
    """The forward pass over the distinct summaries and, for a round trip, the back pass over the
    distinct translations (each normalised once); finished texts come from the cache."""
    from cls_data.translate import DEFAULT_CACHE, TranslationCache, make_translator, translate_texts

    translator = make_translator(
        config.translator,
        url=config.translator_url,
        model=config.model,
        timeout=config.timeout,
        batch_size=config.batch_size,
        max_chars=config.max_chars,
    )
    try:  # the backend's connections and the cache are released on every path out
        src, tgt = translator.codes(config.src, config.tgt)
        cache = TranslationCache(config.cache or DEFAULT_CACHE)
        try:

            def run_pass(texts: list[str], a: str, b: str):
                name, total = f"{a} → {b}", len(set(texts))
                advance = (lambda n: on_progress(name, n, total)) if on_progress else None
                if on_progress:
                    on_progress(name, 0, total)
                return translate_texts(texts, translator, a, b, cache, engine, advance)

            passes = {}
            keys = [normalize(s.summary) for s in samples]
            forward, passes["forward"] = run_pass(keys, src, tgt)
            mid_of = {key: normalize(text) for key, text in forward.items()}
            back: dict[str, str] = {}
            if config.round_trip:
                back, passes["back"] = run_pass(sorted(set(mid_of.values())), tgt, src)
        finally:
            cache.close()
    finally:
        translator.close()
    return Translations(translator.name, translator.model, src, tgt, keys, forward, mid_of, back, passes)


def attach(
    samples: list[CLSSample], translations: Translations, round_trip: bool
) -> tuple[list[CLSSample], list[dict]]:
    """Samples with their translations (provenance too: the card names the backend from it), and
    one failure record per sample a pass could not translate."""
    scored, failures = [], []
    for sample, key in zip(samples, translations.keys, strict=False):
        if key not in translations.forward:
            failures.append(_failure(sample, "forward", key, translations))
            continue
        sample.cls_summary = nfc(translations.forward[key])
        sample.extra["translator"] = translations.backend
        if round_trip:
            mid = translations.mid_of[key]
            if mid not in translations.back:
                failures.append(_failure(sample, "back", mid, translations))
                continue
            sample.back_summary = nfc(translations.back[mid])
        scored.append(sample)
    return scored, failures


def _failure(sample: CLSSample, stage: str, text: str, translations: Translations) -> dict:
    return {
        "id": sample.id,
        "stage": stage,
        "text": text,
        "error": translations.passes[stage].failures.get(text, "not translated"),
    }


def score(scored: list[CLSSample], config: FilterConfig, tokenizer: str) -> Agreement | None:
    """Round-trip ROUGE (`rt_score`), xsim (`extra["xsim"]`) or both (`extra["rank_mean"]`)."""
    if config.round_trip:
        score_roundtrip(scored, tokenizer, config.rank_by)
    if config.score == "roundtrip":
        return None
    from cls_data.filter.xsim import xsim_scores

    sims = xsim_scores([s.summary for s in scored], [s.cls_summary for s in scored], config.encoder)
    for sample, sim in zip(scored, sims, strict=False):
        sample.extra["xsim"] = sim
    keep = len(scored) if config.keep is None else config.keep
    return combine(scored, keep) if config.score == "both" else None


def make_report(
    config: FilterConfig,
    translations: Translations,
    tokenizer: str,
    samples: list[CLSSample],
    ranked: list[CLSSample],
    eligible: list[CLSSample],
    kept: list[CLSSample],
    failures: list[dict],
    agreement: Agreement | None,
    duplicates: Counter,
) -> FilterReport:
    notes = []
    if duplicates:
        notes.append(
            f"dropped {sum(duplicates.values())} samples that repeat a better-ranked one"
            f" ({', '.join(f'{reason}: {n}' for reason, n in sorted(duplicates.items()))}):"
            " kept.jsonl holds distinct samples only"
        )
    if config.keep is not None and config.keep > len(eligible):
        notes.append(
            f"--keep {config.keep} but only {len(eligible)} distinct samples were scored and passed"
            f" the thresholds: keeping all {len(eligible)}"
        )
    if failures:
        notes.append(
            f"{len(failures)} samples could not be translated; they are listed in failures.jsonl"
            " and were not scored (rerun to retry them: finished translations come from the cache)"
        )
    name, meaning = RANKING_SCORES[config.score]
    values = [ranking_score(s, config.score) for s in ranked]
    return FilterReport(
        input=str(config.input),
        translator=translations.name,
        model=translations.model,
        src=translations.src,
        tgt=translations.tgt,
        score=config.score,
        rank_by=config.rank_by,
        ranking_score=name,
        ranking_score_meaning=meaning.format(rank_by=config.rank_by, encoder=config.encoder),
        tokenizer=tokenizer,
        encoder=config.encoder,
        thresholds={"min_score": config.min_score, "min_rouge1": config.min_rouge1, "min_rouge2": config.min_rouge2},
        counts=FilterCounts(
            input=len(samples),
            scored=len(ranked),
            failed=len(failures),
            duplicates=sum(duplicates.values()),
            passed_thresholds=len(eligible),
            kept=len(kept),
            keep_requested=config.keep,
        ),
        failures={stage: sum(f["stage"] == stage for f in failures) for stage in ("forward", "back")},
        cutoff=ranking_score(kept[-1], config.score) if kept else None,
        score_quantiles=quantiles(values),
        kept_quantiles=quantiles([ranking_score(s, config.score) for s in kept]),
        translation=translations.passes,
        agreement=agreement,
        duplicates=dict(sorted(duplicates.items())),
        notes=notes,
        failure_reasons=dict(Counter(f["error"] for f in failures).most_common(3)),
    )
