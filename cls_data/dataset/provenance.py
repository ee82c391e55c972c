"""What the card says about where the data came from, drawn from the records and the build config."""

from __future__ import annotations

from collections import Counter

from cls_data.records import CLSSample

BACKEND_KEYS = ("translator", "translation_backend", "backend", "mt_backend", "mt")


def _range(values: list[str]) -> str | None:
    values = sorted(v[:10] for v in values if v)
    return f"{values[0]} to {values[-1]}" if values else None


def from_records(samples: list[CLSSample], translator: str | None, src: str = "vi", tgt: str = "zh") -> str:
    """Where crawled and filtered records (Vi2ZhLow, any `pair`) came from, as their own fields tell it."""
    from cls_data.text import language_name, tokenizer_for_language

    source, target = language_name(src), language_name(tgt)
    lead = "lead (sapo)" if src == "vi" else "lead"
    units = "Vietnamese syllable tokens" if src == "vi" else f"{source} tokens, scheme `{tokenizer_for_language(src)}`"
    sites = Counter(s.site or "unknown" for s in samples)
    site_list = ", ".join(f"{site} ({n:,})" for site, n in sites.most_common())
    published, crawled = _range([s.published for s in samples]), _range([s.crawled_at for s in samples])
    backends = Counter(str(s.extra[k]) for s in samples for k in BACKEND_KEYS if s.extra.get(k))
    scores = [s.rt_score for s in samples if s.rt_score is not None]
    backend = translator or (", ".join(backends) if backends else "not recorded in the input records")
    cutoff = (
        f"the lowest round-trip score kept in this sample is {min(scores):.4f} (mean {sum(scores) / len(scores):.4f})"
        if scores
        else "round-trip scores were not recorded in the input records"
    )
    return (
        f"- **Source**: {source} news articles with their human-written {lead} as the summary, "
        f"crawled from {site_list}. Published {published or 'dates not recorded'}; crawled "
        f"{crawled or 'dates not recorded'}.\n"
        f"- **Translation**: each {source} summary was machine-translated into {target} (backend: {backend}) "
        f"and translated back into {source}.\n"
        f"- **Round-trip filter**: ROUGE F1 between the original and the back-translated summary "
        f"({units}) ranks the pairs and only the best ones were kept; {cutoff}."
    )


def describe(config, samples: list[CLSSample]) -> dict:
    """The card's facts for a build: the kind's spec, plus what the records say where the spec does not."""
    kind = config.spec  # `pair` is filled in with its languages and name
    facts = {
        "summary": kind.summary,
        "id_note": kind.id_note,
        "sampling": kind.sampling,
        "provenance": kind.provenance or from_records(samples, config.translator, kind.src, kind.tgt),
        "source_datasets": list(kind.source_datasets),
        "redistributable": kind.redistributable,
        "licence_text": kind.licence_text,
        "citation": kind.citation,
        # NCLS-derived data is never under an open licence, whatever --license says.
        "license": config.license if kind.redistributable else "other",
    }
    if facts["license"] == "other" and kind.license_name:
        facts["license_name"] = kind.license_name
    return facts
