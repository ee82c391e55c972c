"""Whether a text can be in a language that `text.language_problem` has no hand-written rule for.

Two tests, from the language's line in languages.tsv: a script of its own (Cyrillic, Arabic,
Devanagari, Thai...) must hold most of the text's words; a Latin-script language must be mostly
Latin letters and, for texts of MIN_ID_WORDS words or more, not be confidently identified as
another language by py3langid (its model ships in the wheel: no download, works offline). The
identifier only vetoes: a short text, or one it finds plausible in the language, passes. Figures
behind the thresholds: bench/RESULTS.md ("Language check for Latin-script languages").
"""

from __future__ import annotations

from functools import lru_cache

import regex

from cls_data.languages import Language, lookup

# ISO 15924 codes that are not one Unicode script value.
_SCRIPT_CLASSES = {"Jpan": r"\p{Han}\p{Hiragana}\p{Katakana}", "Kore": r"\p{Hangul}", "Hani": r"\p{Han}"}
_WORD = regex.compile(r"\p{Han}|[[\p{L}\p{M}\p{N}]--[\p{Han}]]+", regex.V1)
MIN_SCRIPT_SHARE = 0.5  # of a text's words (a Han character counts as one) in its language's script
MIN_LATIN_SHARE = 0.8  # as text.MIN_LATIN_SHARE
MIN_ID_WORDS = 5  # shorter texts are too short to identify (bench/RESULTS.md)
MIN_ID_PROBABILITY = 0.01  # the identifier's probability for the language, below which a text is "not <Language>"


_ID_CODES = {"nb": "no"}  # py3langid's code where it differs from the table's


@lru_cache(maxsize=64)
def _script(code: str) -> regex.Pattern:
    members = _SCRIPT_CLASSES.get(code) or "\\p{sc=" + code + "}"
    return regex.compile(f"[{members}]")


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # loads a 3 MB model: only when needed

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identified_probability(text: str, code: str) -> float:
    """py3langid's normalised probability that `text` is in `code` (0 for a language it does not know)."""
    ranking = dict(_identifier().rank(text))
    return float(ranking.get(_ID_CODES.get(code, code), 0.0))


def other_language_problem(text: str, code: str) -> str | None:
    """Why `text` cannot be in `code` ("not German"), or None; a language not in the table always passes."""
    language = lookup(code)
    if language is None:
        return None
    words = [w for w in _WORD.findall(text) if not w.isdigit()]
    if not words:
        return None
    script = _script(language.script)
    share = sum(bool(script.match(w)) for w in words) / len(words)
    if language.script != "Latn":
        return None if share >= MIN_SCRIPT_SHARE else f"not {language.name}"
    if share < MIN_LATIN_SHARE:
        return f"not {language.name}"
    return identifier_problem(text, language, len(words))


def identifier_problem(text: str, language: Language, n_words: int) -> str | None:
    """The identifier's veto on a Latin-script text of enough words."""
    if n_words < MIN_ID_WORDS:
        return None
    if identified_probability(text, language.code) < MIN_ID_PROBABILITY:
        return f"not {language.name}"
    return None
