"""Unicode/whitespace normalisation, the per-language tokenizers that ROUGE and the stats use, and
every language fact the project relies on (script ranges, base language of a code, names).

The tokenization rules are pinned in docs/commands.md ("Text and ROUGE conventions"); the filter
and the benchmark both depend on them, so a change here changes every score. rouge-score's default
tokenizer keeps only [a-z0-9]: it shreds Vietnamese ("Hiệp hội" -> "hi p h i") and drops Chinese
entirely, so it is used for English only.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from cls_data.errors import ClsDataError
from cls_data.languages import lookup

Tokenizer = Callable[[str], list[str]]

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han characters: one zh token each
EAST_ASIAN = CJK + "\u3040-\u30ff\uac00-\ud7af"  # Han, kana and Hangul: no Vietnamese text is written in them
UNSPACED = CJK + "\u3000-\u303f\uff00-\uffef"  # Han and CJK/fullwidth punctuation: written without spaces
LANGUAGE_NAMES = {
    "vi": "Vietnamese",
    "zh": "Chinese",
    "en": "English",
    "th": "Thai",
    "ja": "Japanese",
    "ko": "Korean",
    "fr": "French",
    "de": "German",
    "id": "Indonesian",
    "es": "Spanish",
}
# NLLB's codes name a language in three letters ("vie_Latn", "zho_Hans").
_ISO_639_3 = {
    "vie": "vi",
    "zho": "zh",
    "cmn": "zh",
    "eng": "en",
    "tha": "th",
    "jpn": "ja",
    "kor": "ko",
    "fra": "fr",
    "deu": "de",
    "ind": "id",
    "spa": "es",
}
_UNSPACED = re.compile(f"[{UNSPACED}]")
_HAN = re.compile(f"[{CJK}]")
_EAST_ASIAN = re.compile(f"[{EAST_ASIAN}]")
_VI_TOKEN = re.compile(r"\w+")
_ZH_TOKEN = re.compile(rf"[{CJK}]|[^\W_{CJK}]+")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
# Zero-width characters that pages sprinkle into text; they are invisible and split tokens.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"\s+")


def base_language(code: str) -> str:
    """The language of a code in any backend's form, in two letters where we know it.

    "zh-CN", "zh_CN", "zh-Hans", "zho_Hans" -> "zh"; "vie_Latn", "vi_VN" -> "vi"; an unknown code lower-cased.
    """
    base = code.lower().replace("_", "-").split("-")[0]
    known = lookup(base) if base not in _ISO_639_3 else None  # languages.tsv knows the rest
    return _ISO_639_3.get(base) or (known.code if known else base)


def is_chinese(lang: str) -> bool:
    """Whether a language code names Chinese ("zh", "zh-CN", "zh_Hant"...)."""
    return base_language(lang) == "zh"


def language_name(code: str) -> str:
    """ "vi" -> "Vietnamese"; an unknown code is returned as given."""
    base = base_language(code)
    known = lookup(base)
    return LANGUAGE_NAMES.get(base) or (known.name if known else code)


def han_count(text: str) -> int:
    return len(_HAN.findall(text))


def east_asian_count(text: str) -> int:
    """Characters of Han, kana or Hangul in `text`."""
    return len(_EAST_ASIAN.findall(text))


def join_wrapped(lines: list[str]) -> str:
    """The lines of one wrapped paragraph as one line: joined by a space, except where the break
    falls between two Chinese characters (or CJK punctuation), which a space would split."""
    parts = [line.strip() for line in lines if line.strip()]
    if not parts:
        return ""
    joined = [parts[0]]
    for line in parts[1:]:
        if not (_UNSPACED.match(joined[-1][-1]) and _UNSPACED.match(line[0])):
            joined.append(" ")
        joined.append(line)
    return "".join(joined)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def normalize(text: str) -> str:
    """NFC, invisible characters removed, every whitespace run (newlines too) made one space."""
    return _SPACES.sub(" ", nfc(text).translate(_INVISIBLE)).strip()


def normalize_paragraphs(text: str) -> str:
    """Like `normalize` per line, keeping one paragraph per line and dropping empty lines."""
    lines = (normalize(line) for line in nfc(text).splitlines())
    return "\n".join(line for line in lines if line)


def tokenize_vi(text: str) -> list[str]:
    """Vietnamese syllables: NFC, lower case, "_" as a space, runs of word characters."""
    return _VI_TOKEN.findall(nfc(text).lower().replace("_", " "))


def tokenize_zh(text: str) -> list[str]:
    """Chinese characters as tokens (as in NCLS); runs of other letters/digits are one token."""
    return _ZH_TOKEN.findall(nfc(text).lower())


@lru_cache(maxsize=1)
def _jieba():
    import jieba  # imported on first use: it takes a second to load its dictionary

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokenize_zh_words(text: str) -> list[str]:
    """Chinese words by jieba; tokens with no letter or digit (punctuation, spaces) dropped."""
    words = _jieba().lcut(nfc(text).lower())
    return [word for word in words if _LETTER_OR_DIGIT.search(word)]


@lru_cache(maxsize=2)
def _rouge_score_tokenizer(stem: bool):
    from rouge_score.tokenizers import DefaultTokenizer  # imports nltk: only when English is scored

    return DefaultTokenizer(use_stemmer=stem)


def tokenize_en(text: str) -> list[str]:
    """English: rouge-score's own tokenizer (lower case, [a-z0-9] runs), no stemming."""
    return _rouge_score_tokenizer(False).tokenize(text)


def tokenize_en_stemmed(text: str) -> list[str]:
    """English with rouge-score's Porter stemming of tokens longer than three letters."""
    return _rouge_score_tokenizer(True).tokenize(text)


TOKENIZERS: dict[str, Tokenizer] = {
    "vi": tokenize_vi,
    "zh": tokenize_zh,
    "zh-words": tokenize_zh_words,
    "en": tokenize_en,
    "en-stem": tokenize_en_stemmed,
}


def get_tokenizer(name: str) -> Tokenizer:
    from cls_data.rouge_schemes import SCHEME_TOKENIZERS  # any other language's schemes (it imports this module)

    try:
        return TOKENIZERS.get(name) or SCHEME_TOKENIZERS[name]
    except KeyError:
        choices = ", ".join([*TOKENIZERS, *SCHEME_TOKENIZERS])
        raise ClsDataError(f"unknown tokenizer {name!r}; choose one of: {choices}") from None


def tokenizer_for_language(lang: str) -> str:
    """The default tokenizer name for a language code such as "vi", "zh-CN" or "en"."""
    base = base_language(lang)
    if base in ("vi", "zh", "en"):
        return base
    known = lookup(base)
    if known is None:
        raise ClsDataError(f"no tokenizer for language {lang!r}: add it to cls_data/languages.tsv (docs/languages.md)")
    return known.rouge


def count_words(text: str) -> int:
    """Table-1 length of a vi/en text: whitespace-separated tokens."""
    return len(text.split())


def count_chars(text: str) -> int:
    """Table-1 length of a zh text: every character of the NFC string."""
    return len(nfc(text))


# Language facts for telling whether a text can be in a language at all. Not a language
# identifier: it catches what a failing translation service returns (the source echoed back,
# another script), not a wrong language written in the same script. A statistical identifier was
# measured and not adopted: py3langid 0.4.0 took 124 us a text (these checks: 14 us) and misjudged
# 3 of 16 short news summaries (Mandarin as Wu, English naming "Nguyễn Xuân Phúc" as Vietnamese,
# "Vietnam beat Thailand 2-0" as Gaelic), each a good translation that would have been thrown away.
# Languages with a script of their own: a word (a Han character counts as one) must mostly be in it.
_OWN_SCRIPT = {
    "zh": re.compile(f"[{CJK}]"),
    "ja": re.compile(f"[{CJK}\u3040-\u30ff]"),
    "ko": re.compile("[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]"),
    "th": re.compile("[\u0e00-\u0e7f]"),
}
_LATIN_SCRIPT = ("vi", "en", "fr", "de", "id", "es")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_WORD = re.compile(rf"[{CJK}]|[^\W_{CJK}]+")
# Vietnamese marks every other syllable or so (ă â đ ê ô ơ ư and five tones); English none.
_VI_MARKED = re.compile("[đĐ]|[^\\W\\d_]*[\u0300-\u0303\u0306\u0309\u031b\u0323\u0302]")
MIN_OWN_SCRIPT_SHARE = 0.5  # of a zh/ja/ko/th text's words, in its script
MIN_LATIN_SHARE = 0.8  # of a vi/en/... text's words, in Latin letters
MIN_VI_MARKED_SHARE = 0.15  # of a Vietnamese text's words (of 4 or more), with a Vietnamese mark
MAX_EN_MARKED_SHARE = 0.5  # of an English text's words (of 6 or more): names like "Hà Nội" stay marked


REPLACEMENT = "\ufffd"  # what a decoder writes for bytes it could not read
MIN_LETTER_SHARE = 0.5  # of a text's characters other than spaces and digits, letters (or their marks)
_ALLOWED_CONTROLS = set("\t\n\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,:/-]\d+)*%?")  # "+1.2%", "2-0", "10:30": neutral, as digits are


def garbage_problem(text: str) -> str | None:
    """Why `text` is no text in any language, or None: replacement characters (U+FFFD), control
    characters, or mostly characters that are no letters ("■■■", "...?!"); numbers are neutral, so
    "2024" and "S&P 500 +1.2%" pass. Checked before any script rule: "H时\ufffd" passes those as Chinese."""
    if REPLACEMENT in text:
        return "replacement characters (U+FFFD)"
    if any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in text):
        return "control characters"
    judged = [ch for ch in _NUMBER.sub(" ", text) if not ch.isspace() and not ch.isdigit()]
    letters = sum(unicodedata.category(ch)[0] in "LM" for ch in judged)
    if judged and letters < MIN_LETTER_SHARE * len(judged):
        return "mostly not letters"
    return None


def language_problem(text: str, lang: str) -> str | None:
    """Why `text` cannot be written in `lang` ("not Chinese", or `garbage_problem`'s reason), or None when it may be.

    Languages without a rule (and texts with no letters but digits) pass the script rules.
    """
    if problem := garbage_problem(text):
        return problem
    lang = base_language(lang)
    words = [w for w in _WORD.findall(nfc(text)) if not w.isdigit()]
    if not words:
        return None
    name = language_name(lang)
    if lang in _OWN_SCRIPT:
        script = _OWN_SCRIPT[lang]
        if sum(bool(script.match(w)) for w in words) < MIN_OWN_SCRIPT_SHARE * len(words):
            return f"not {name}"
        return None
    if lang not in _LATIN_SCRIPT:
        from cls_data.language_id import other_language_problem  # languages.tsv's script and identifier rules

        return other_language_problem(text, lang)
    if sum(bool(_LATIN.match(w)) for w in words) < MIN_LATIN_SHARE * len(words):
        return f"not {name}"
    marked = sum(bool(_VI_MARKED.match(unicodedata.normalize("NFD", w))) for w in words)
    if lang == "vi" and len(words) >= 4 and marked < MIN_VI_MARKED_SHARE * len(words):
        return f"not {name}"
    if lang == "en" and len(words) >= 6 and marked > MAX_EN_MARKED_SHARE * len(words):
        return f"not {name}"
    if lang not in ("vi", "en"):
        from cls_data.language_id import identifier_problem
        from cls_data.languages import get_language

        return identifier_problem(text, get_language(lang), len(words))
    return None
