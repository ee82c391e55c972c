"""The language table (languages.tsv): name, script, ROUGE scheme, mBART-50/NLLB codes and aliases of each language.

Data, not code: a language is one line of `languages.tsv`. This module imports nothing of the
project, so `cls_data.text` can read it at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from cls_data.errors import ClsDataError

TABLE = "languages.tsv"
COLUMNS = ("code", "name", "script", "rouge", "mbart50", "nllb", "aliases")
SCHEMES = ("vi", "zh", "en", "words", "chars", "clusters")  # the `rouge` column's values
OPT_IN_SCHEMES = ("th-words",)  # chosen by name only (cls_data.rouge_schemes): a segmenter from an extra


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, the code datasets and records carry
    name: str  # English name, for cards and LLM prompts
    script: str  # ISO 15924 ("Latn", "Cyrl"...); "Jpan" is Han + kana, "Kore" Hangul
    rouge: str  # ROUGE tokenization scheme (see SCHEMES)
    mbart50: str | None  # mBART-50 language code, None where mBART-50 has none
    nllb: str  # NLLB-200's code ("deu_Latn")
    aliases: tuple[str, ...]  # ISO 639-3 and NLLB codes that name the same language


def parse_table(text: str, source: str = TABLE) -> dict[str, Language]:
    """Languages by code from the TSV text; a malformed line is one error naming its line."""
    table: dict[str, Language] = {}
    rows = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.startswith("#")]
    for number, line in rows[1:]:  # rows[0] is the header
        cells = line.split("\t")
        if len(cells) != len(COLUMNS) or not all(cells[:4]):
            columns = ", ".join(COLUMNS)
            raise ClsDataError(f"{source}:{number}: expected {len(COLUMNS)} tab-separated columns ({columns})")
        code, name, script, rouge, mbart, nllb, aliases = cells
        if rouge not in SCHEMES:
            choices = ", ".join(SCHEMES)
            raise ClsDataError(f"{source}:{number}: unknown ROUGE scheme {rouge!r}; choose one of: {choices}")
        if code in table:
            raise ClsDataError(f"{source}:{number}: language {code!r} listed twice")
        table[code] = Language(code, name, script, rouge, None if mbart == "-" else mbart, nllb, tuple(aliases.split()))
    return table


@lru_cache(maxsize=1)
def languages() -> dict[str, Language]:
    return parse_table(files("cls_data").joinpath(TABLE).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _by_alias() -> dict[str, str]:
    return {alias: lang.code for lang in languages().values() for alias in lang.aliases}


def lookup(code: str) -> Language | None:
    """The language of a code in any backend's form ("de", "de-DE", "deu_Latn"), None when unknown."""
    base = code.lower().replace("_", "-").split("-")[0]
    return languages().get(base) or languages().get(_by_alias().get(base, ""))


def get_language(code: str) -> Language:
    language = lookup(code)
    if language is None:
        raise ClsDataError(f"unknown language {code!r}: add a line for it to cls_data/{TABLE} (docs/languages.md)")
    return language


def mbart50_code(code: str) -> str:
    """mBART-50's code for a language ("de" -> "de_DE"); an error for a language mBART-50 lacks."""
    language = get_language(code)
    if language.mbart50 is None:
        covered = ", ".join(sorted(lang.code for lang in languages().values() if lang.mbart50))
        raise ClsDataError(f"mBART-50 has no language code for {language.name} ({code!r}); it covers: {covered}")
    return language.mbart50


def family_codes(family: str) -> dict[str, str]:
    """Every tabled language's code in a translation model family's form (nllb, m2m100, mbart50)."""
    table = languages().values()
    if family == "nllb":
        return {lang.code: lang.nllb for lang in table}
    if family == "mbart50":
        return {lang.code: lang.mbart50 for lang in table if lang.mbart50}
    return {lang.code: lang.code for lang in table}  # m2m100: ISO 639-1
