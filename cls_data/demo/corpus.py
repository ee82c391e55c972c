"""The bundled sample as data: its articles (with the real URLs they would have) and its translations."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from importlib import resources
from pathlib import Path

SAMPLE_DIR = Path(str(resources.files("cls_data.demo") / "sample"))
ARTICLES = SAMPLE_DIR / "articles.json"
TRANSLATIONS = SAMPLE_DIR / "translations.jsonl"

# How each site names an article: the path shape its spider's `article_path` expects.
SITE_URLS = {
    "vnexpress": ("https://vnexpress.net", "/{slug}-{id7}.html"),
    "tuoitre": ("https://tuoitre.vn", "/{slug}-{id17}.htm"),
}


@dataclass(frozen=True)
class SampleArticle:
    """One article of the sample as written in articles.json, plus the URL the real site would give it."""

    site: str
    number: int  # position among the site's articles, from 0
    category: str
    published: datetime
    author: str
    title: str
    sapo: str
    body: tuple[str, ...]

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def path(self) -> str:
        template = SITE_URLS[self.site][1]
        # vnexpress: 7-digit serial numbers; tuoitre: the publication time plus a 3-digit serial.
        return template.format(
            slug=self.slug, id7=4_860_001 + self.number, id17=f"{self.published:%Y%m%d%H%M%S}{self.number:03d}"
        )

    @property
    def url(self) -> str:
        return SITE_URLS[self.site][0] + self.path


@dataclass(frozen=True)
class SampleTranslation:
    """A summary, its Chinese translation and the translation of that back into Vietnamese."""

    vi: str
    zh: str
    back: str
    poor: bool  # written to drift on the way back, so that the filter drops it
    note: str | None = None


@dataclass(frozen=True)
class Sample:
    articles: tuple[SampleArticle, ...]
    translations: tuple[SampleTranslation, ...]

    @cached_property
    def sites(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.site for a in self.articles))

    def of_site(self, site: str) -> list[SampleArticle]:
        return [a for a in self.articles if a.site == site]

    @cached_property
    def poor(self) -> frozenset[str]:
        """The Vietnamese summaries whose round trip was written to drift."""
        return frozenset(t.vi for t in self.translations if t.poor)


def load_sample(articles: Path = ARTICLES, translations: Path = TRANSLATIONS) -> Sample:
    data = json.loads(articles.read_text(encoding="utf-8"))
    counters: dict[str, int] = {}
    items = []
    for raw in data["articles"]:
        number = counters.get(raw["site"], 0)
        counters[raw["site"]] = number + 1
        items.append(
            SampleArticle(
                site=raw["site"],
                number=number,
                category=raw["category"],
                published=datetime.fromisoformat(raw["published"]),
                author=raw["author"],
                title=raw["title"],
                sapo=raw["sapo"],
                body=tuple(raw["body"]),
            )
        )
    rows = []
    for line in translations.read_text(encoding="utf-8").splitlines():
        record = json.loads(line) if line.strip() else {}
        if "vi" in record:  # the first line says what the file is
            rows.append(
                SampleTranslation(
                    record["vi"], record["zh"], record["back"], bool(record.get("poor")), record.get("note")
                )
            )
    return Sample(tuple(items), tuple(rows))


def slugify(title: str) -> str:
    """A URL slug the way Vietnamese news sites make them: no diacritics, "đ" as "d", hyphens."""
    text = unicodedata.normalize("NFD", title.lower().replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:90].rstrip("-")


TRANSLATOR = "libretranslate"  # the backend whose cache entries the demo fills (the mirror serves its API)


def fill_translation_cache(
    path: Path, url: str, translations: list[SampleTranslation], src: str = "vi", tgt: str = "zh"
) -> int:
    """Store the sample's (summary, translation, back-translation) triples as the filter's cache entries for the
    translation server at `url` (the cache key holds the backend's name, model and language codes)."""
    from cls_data.text import normalize
    from cls_data.translate import TranslationCache, make_translator

    translator = make_translator(TRANSLATOR, url=url)
    try:
        src_code, tgt_code = translator.codes(src, tgt)
        backend, model = translator.name, translator.model
    finally:
        translator.close()
    pairs = [(normalize(t.vi), normalize(t.zh), normalize(t.back)) for t in translations]
    cache = TranslationCache(path)
    try:
        cache.put_many(backend, model, src_code, tgt_code, [(a, b) for a, b, _ in pairs])
        cache.put_many(backend, model, tgt_code, src_code, [(b, c) for _, b, c in pairs])
        return len(cache)
    finally:
        cache.close()
