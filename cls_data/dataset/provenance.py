"""What the card says about where the data came from, drawn from the records and the build config."""

from __future__ import annotations

from collections import Counter

from cls_data.records import CLSSample

BACKEND_KEYS = ("translator", "translation_backend", "backend", "mt_backend", "mt")


def _range(values: list[str]) -> str | None:
    values = sorted(v[:10] for v in values if v)
    return f"{values[0]} to {values[-1]}" if values else None


def _vi2zh(samples: list[CLSSample], translator: str | None) -> dict:
    from cls_data.dataset.card import NCLS_BIB

    sites = Counter(s.site or "unknown" for s in samples)
    site_list = ", ".join(f"{site} ({n:,})" for site, n in sites.most_common())
    published, crawled = _range([s.published for s in samples]), _range([s.crawled_at for s in samples])
    backends = Counter(str(s.extra[k]) for s in samples for k in BACKEND_KEYS if s.extra.get(k))
    scores = [s.rt_score for s in samples if s.rt_score is not None]
    backend = translator or (", ".join(backends) if backends else "not recorded in the input records")
    cutoff = (
        f"the lowest round-trip score kept in this sample is {min(scores):.4f} (mean {sum(scores) / len(scores):.4f})"
        if scores else "round-trip scores were not recorded in the input records"
    )
    provenance = (
        f"- **Source**: Vietnamese news articles with their human-written lead (sapo) as the summary, "
        f"crawled from {site_list}. Published {published or 'dates not recorded'}; crawled {crawled or 'dates not recorded'}.\n"
        f"- **Translation**: each Vietnamese summary was machine-translated into Chinese (backend: {backend}) "
        "and translated back into Vietnamese.\n"
        f"- **Round-trip filter**: ROUGE F1 between the original and the back-translated summary "
        f"(Vietnamese syllable tokens) ranks the pairs and only the best ones were kept; {cutoff}."
    )
    return {
        "summary": "Vi2ZhLow is a low-resource Vietnamese-to-Chinese cross-lingual summarization dataset: "
        "Vietnamese news documents with Vietnamese summaries and Chinese summaries.",
        "id_note": "stable hash of the article's canonical URL",
        "provenance": provenance,
        "sampling": "after deduplication, one shuffled pool is cut into test, validation and train.",
        "source_datasets": ["original"],
        "redistributable": True,
        "licence_text": "The documents and summaries are news texts whose copyright stays with their publishers; "
        "they are shared for research on cross-lingual summarization. Check the sites' terms before any other use.",
        "citation": "@misc{vi2zhlow,\n  title = {Vi2ZhLow: a low-resource Vietnamese-Chinese cross-lingual summarization dataset},\n"
        "  note = {Built with cls-data}\n}\n\n" + NCLS_BIB,
    }


def _ncls(kind: str) -> dict:
    from cls_data.dataset.card import LCSTS_BIB, NCLS_BIB, NCLS_LICENCE

    if kind == "en2zh":
        source = ("- **Source**: the NCLS En2ZhSum corpus (Zhu et al., 2019): English CNN/DailyMail and MSMO "
                  "articles and highlights, with Chinese summaries machine-translated and filtered by round-trip ROUGE.\n"
                  "- **Test references**: where the NCLS test file has human-corrected references, they replace the machine-translated ones.")
        summary = "En2ZhLow is a low-resource English-to-Chinese cross-lingual summarization dataset sampled from NCLS En2ZhSum."
        bib = NCLS_BIB
    else:
        source = ("- **Source**: the NCLS Zh2EnSum corpus (Zhu et al., 2019): Chinese LCSTS Weibo posts and summaries "
                  "(Hu et al., 2015), joined by document id, with English summaries machine-translated and filtered by round-trip ROUGE.\n"
                  "- **Test references**: where the NCLS test file has human-corrected references, they replace the machine-translated ones.")
        summary = "Zh2EnLow is a low-resource Chinese-to-English cross-lingual summarization dataset sampled from NCLS Zh2EnSum and LCSTS."
        bib = NCLS_BIB + "\n\n" + LCSTS_BIB
    return {
        "summary": summary,
        "id_note": "`<corpus>-<NCLS split>-<NCLS doc id>`",
        "provenance": source,
        "sampling": "train, validation and test are random samples of the NCLS train, valid and test files respectively.",
        "source_datasets": ["extended"],
        "redistributable": False,
        "license_name": "ncls-research-only",
        "licence_text": NCLS_LICENCE,
        "citation": bib,
    }


def describe(config, samples: list[CLSSample]) -> dict:
    facts = _vi2zh(samples, config.translator) if config.kind == "vi2zh" else _ncls(config.kind)
    facts["license"] = config.license if config.kind == "vi2zh" else "other"
    if config.kind == "vi2zh" and config.license == "other":
        facts["license_name"] = "news-publishers-copyright"
    return facts
