"""Is an answer a translation? Every answer is checked before it is cached, scored or reused.

A service that fails quietly answers well-formed junk: the source echoed back (a perfect round
trip!), an empty string, text in the wrong script. Such an answer is rejected with a short reason
that the filter counts and reports; it never reaches the cache or `kept.jsonl`.
"""

from __future__ import annotations

from cls_data.text import base_language, garbage_problem, language_problem, normalize

EMPTY = "empty answer"
ECHO = "echo of the source"


def answer_problem(source: str, answer: str, src: str, tgt: str, language: bool = True) -> str | None:
    """Why `answer` is not a translation of `source` from `src` into `tgt`, or None when it may be.

    Reasons: "empty answer", "echo of the source", "not <Language>" (see `text.language_problem`;
    `language=False` skips that one, for a pair the script rules misjudge), and garbage
    ("replacement characters (U+FFFD)", ...: `text.garbage_problem`), which no pair excuses.
    """
    if not answer.strip():
        return EMPTY if source.strip() else None
    if base_language(src) != base_language(tgt):
        same = normalize(answer).casefold() == normalize(source).casefold()
        if same and any(ch.isalpha() for ch in source):  # a number or a code is its own translation
            return ECHO
    return language_problem(answer, tgt) if language else garbage_problem(answer)
