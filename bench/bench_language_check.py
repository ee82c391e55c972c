"""Language check for Latin-script languages: the script-only rule (before languages.tsv) against
script + py3langid veto (`cls_data.language_id`), on news leads in nine Latin-script languages.

For each target language, every text of that language should pass (a rejection throws away a good
translation) and every text of another language should fail (an answer in the wrong language).
Run: python bench/bench_language_check.py
"""

from __future__ import annotations

import time
from pathlib import Path

from cls_data import language_id
from cls_data.language_id import _WORD, MIN_LATIN_SHARE, _script, identified_probability
from cls_data.text import language_problem

TEXTS = Path(__file__).parent / "data" / "latin_texts.tsv"
TARGETS = ("de", "fr", "es", "id", "pt", "nl", "it", "sw")


def script_only(text: str, lang: str) -> str | None:
    """The rule before this change: a Latin-script language without a hand rule needs only Latin letters."""
    words = [w for w in _WORD.findall(text) if not w.isdigit()]
    latin = _script("Latn")
    return None if not words or sum(bool(latin.match(w)) for w in words) >= MIN_LATIN_SHARE * len(words) else "not"


def main() -> None:
    rows = [line.split("\t", 1) for line in TEXTS.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    for name, rule in (("script only (before)", script_only), ("script + py3langid (now)", language_problem)):
        language_problem("warm up the identifier model", "de")
        false_rejects = catches = right = wrong = 0
        misses: list[str] = []
        started = time.perf_counter()
        for target in TARGETS:
            for lang, text in rows:
                failed = rule(text, target) is not None
                if lang == target:
                    right += 1
                    false_rejects += failed
                    if failed:
                        misses.append(f"rejected {lang}: {text[:50]}")
                else:
                    wrong += 1
                    catches += failed
                    if not failed and len(text.split()) >= 5:
                        misses.append(f"{target} accepted {lang}: {text[:50]}")
        per_text = (time.perf_counter() - started) / (right + wrong) * 1e6
        print(
            f"{name}: right-language texts rejected {false_rejects}/{right}, "
            f"wrong-language texts caught {catches}/{wrong}, {per_text:.0f} us a check"
        )
        for miss in misses[:12]:
            print("   ", miss)
    sweep(rows)
    real_pages()


HAND_RULES = ("vi", "en", "zh", "ja", "ko", "th")  # text.language_problem's own rules, unchanged
LABELS = Path(__file__).parents[1] / "tests" / "data" / "news_pages" / "labels.json"


def before(text: str, lang: str) -> str | None:
    """The check before languages.tsv: hand rules; Latin share for fr/de/id/es; no rule for the rest."""
    if lang in HAND_RULES:
        return language_problem(text, lang)
    return script_only(text, lang) if lang in ("fr", "de", "id", "es") else None


def real_pages() -> None:
    """Titles and leads of 14 real pages of 12 publishers in 8 languages (the generic crawl's hand labels)."""
    import json

    pages = json.loads(LABELS.read_text(encoding="utf-8"))
    texts = [(page["lang"], page[key]) for page in pages for key in ("title", "lead") if page.get(key)]
    targets = sorted({lang for lang, _ in texts} | {"de", "fr", "id", "ru", "hi"})
    for name, rule in (("before", before), ("now", language_problem)):
        right = [rule(text, lang) for lang, text in texts]
        wrong = [rule(text, target) for lang, text in texts for target in targets if target != lang]
        print(
            f"real pages, {name}: right-language rejected {sum(p is not None for p in right)}/{len(right)}, "
            f"wrong-language caught {sum(p is not None for p in wrong)}/{len(wrong)} (targets: {', '.join(targets)})"
        )


def sweep(rows: list[list[str]]) -> None:
    """The veto's threshold: how many good texts each value would reject and how many wrong ones it catches."""
    long_rows = [(lang, text) for lang, text in rows if len(_WORD.findall(text)) >= language_id.MIN_ID_WORDS]
    probabilities = [
        (lang == target, identified_probability(text, target)) for target in TARGETS for lang, text in long_rows
    ]
    for threshold in (0.001, 0.01, 0.1, 0.5):
        rejected = sum(right and p < threshold for right, p in probabilities)
        caught = sum(not right and p < threshold for right, p in probabilities)
        right, wrong = sum(r for r, _ in probabilities), sum(not r for r, _ in probabilities)
        print(
            f"threshold {threshold}: right-language texts of {language_id.MIN_ID_WORDS}+ words rejected "
            f"{rejected}/{right}, wrong-language caught {caught}/{wrong}"
        )


if __name__ == "__main__":
    main()
