"""The paper's ROUGE unit: the `rouge` package's (pltrdy) per-pair F1 on mBART SentencePiece pieces, mean over pairs.

The paper's code (docs/paper-fidelity.md, "ROUGE: the paper's unit") scored Chinese targets as
`Rouge().get_scores(p, r)` on `' '.join(tokenizer.tokenize(s))[1:]` of both sides (the `[1:]` drops
the first piece's leading `▁`) and averaged each pair's `f`; other targets on the decoded text as is.
This module reproduces that package's arithmetic (version 1.0.1, the default `exclusive=True`)
without depending on it: each text is cut into "sentences" at every `.`, words are the sentences
split on single spaces (an empty word counts), n-grams and ROUGE-L's words are *sets* (a repeated
n-gram counts once), ROUGE-L is its summary-level union LCS with the package's own traceback, and
F = 2PR / (P + R + 1e-8). Where the package raises (a side with no sentence: an empty text, or one
of dots only) the pair scores 0 here and is counted in `RougeReport.notes`; the paper's code caught
that error and left the *whole test batch* holding that pair out of its mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cls_data.errors import ClsDataError
from cls_data.rouge import PairScores, Score
from cls_data.text import base_language

PAPER_TOKENIZER = "facebook/mbart-large-cc25"  # the paper's tokenizer (its backbone's)
_ZERO = PairScores(Score(0.0, 0.0, 0.0), Score(0.0, 0.0, 0.0), Score(0.0, 0.0, 0.0))


def _sentences(text: str) -> list[str]:
    # Filtered before the whitespace is squeezed, as the package does: " . x" keeps an empty sentence.
    return [" ".join(part.split()) for part in text.split(".") if len(part) > 0]


def _words(sentences: Sequence[str]) -> list[str]:
    return [word for sentence in sentences for word in sentence.split(" ")]


def _f(precision: float, recall: float) -> float:
    return 2.0 * ((precision * recall) / (precision + recall + 1e-8))


def _rouge_n(hyp: list[str], ref: list[str], n: int) -> Score:
    hyp_grams = {tuple(hyp[i : i + n]) for i in range(len(hyp) - n + 1)}
    ref_grams = {tuple(ref[i : i + n]) for i in range(len(ref) - n + 1)}
    overlap = len(hyp_grams & ref_grams)
    precision = overlap / len(hyp_grams) if hyp_grams else 0.0
    recall = overlap / len(ref_grams) if ref_grams else 0.0
    return Score(precision, recall, _f(precision, recall))


def _lcs_words(x: list[str], y: list[str]) -> set[str]:
    """The words of the package's reconstructed LCS of x (a reference sentence) and y (a hypothesis sentence):
    its O(nm) table and its traceback (diagonal on a match, else up when strictly larger, else left)."""
    table = [[0] * (len(y) + 1) for _ in range(len(x) + 1)]
    for i in range(1, len(x) + 1):
        row, above = table[i], table[i - 1]
        for j in range(1, len(y) + 1):
            row[j] = above[j - 1] + 1 if x[i - 1] == y[j - 1] else max(above[j], row[j - 1])
    words, i, j = set(), len(x), len(y)
    while i > 0 and j > 0:  # iterative: the package recurses and fails past ~1,000 words
        if x[i - 1] == y[j - 1]:
            words.add(x[i - 1])
            i, j = i - 1, j - 1
        elif table[i - 1][j] > table[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return words


def _rouge_l(hyp: list[str], ref: list[str]) -> Score:
    """The package's `rouge_l_summary_level`: |union of LCS words over (reference, hypothesis) sentence pairs| over
    the distinct words of each side."""
    union: set[str] = set()
    hyp_words = [sentence.split(" ") for sentence in hyp]
    for ref_sentence in ref:
        ref_words = ref_sentence.split(" ")
        for words in hyp_words:
            union |= _lcs_words(ref_words, words)
    recall, precision = len(union) / len(set(_words(ref))), len(union) / len(set(_words(hyp)))
    return Score(precision, recall, _f(precision, recall))


def score_pair(hypothesis: str, reference: str) -> PairScores | None:
    """ROUGE-1/2/L of one pair of already-tokenized texts as the `rouge` package scores them; None where it raises."""
    hyp, ref = _sentences(hypothesis), _sentences(reference)
    if not hyp or not ref:
        return None
    hyp_words, ref_words = _words(hyp), _words(ref)
    return PairScores(_rouge_n(hyp_words, ref_words, 1), _rouge_n(hyp_words, ref_words, 2), _rouge_l(hyp, ref))


def pieces_text(tokenizer: Any, text: str) -> str:
    """What the paper's code handed the package for a Chinese target: pieces joined by spaces, first char dropped."""
    return " ".join(tokenizer.tokenize(text))[1:]


def load_tokenizer(name: str, local_only: bool = False) -> Any:
    """A Hugging Face tokenizer (folder or Hub id); one clear line when it cannot be loaded."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(name), local_files_only=local_only)
    except Exception as exc:  # OSError, ValueError, HF hub errors: all mean "not at hand"
        where = "in the local Hugging Face cache" if local_only else "as a folder or on the Hub"
        raise ClsDataError(f"--paper-tokens {name}: no tokenizer found {where} ({type(exc).__name__})") from None


def unit_label(lang: str, tokenizer_name: str) -> str:
    """How a paper-unit score was tokenized, as tables print it next to the numbers."""
    if base_language(lang) == "zh":
        return f"paper: rouge (pltrdy) F1 on {tokenizer_name} pieces"
    return "paper: rouge (pltrdy) F1 on the text as is"


def score_paper(preds: Sequence[str], refs: Sequence[str], lang: str, tokenizer: Any) -> tuple[list[PairScores], int]:
    """(per-pair scores, pairs the package would have refused) in the paper's unit; `tokenizer` only for Chinese."""
    if len(preds) != len(refs):
        raise ClsDataError(f"{len(preds)} predictions but {len(refs)} references")
    if base_language(lang) == "zh":
        preds = [pieces_text(tokenizer, text) for text in preds]
        refs = [pieces_text(tokenizer, text) for text in refs]
    scores, refused = [], 0
    for hyp, ref in zip(preds, refs, strict=True):
        pair = score_pair(hyp, ref)
        refused += pair is None
        scores.append(pair or _ZERO)
    return scores, refused


def refused_note(refused: int, n: int) -> str | None:
    if not refused:
        return None
    return (
        f"{refused} of {n} pairs have an empty side in the paper's unit: the rouge package raises on those, so the "
        "paper's code left the whole test batch holding one out of its mean; here they score 0 and count"
    )


def score_files_paper(
    pred_path: str | Path, ref_path: str | Path, lang: str, tokenizer_name: str, per_sample: str | Path | None = None
) -> Any:
    """`cls-data rouge --paper-tokens`: two line-aligned files scored in the paper's unit (a `RougeReport`)."""
    from cls_data.rouge_files import RougeReport, read_aligned, write_per_sample

    preds, refs = read_aligned(pred_path, ref_path, per_sample)
    tokenizer = load_tokenizer(tokenizer_name) if base_language(lang) == "zh" else None
    scores, refused = score_paper(preds, refs, lang, tokenizer)
    report = RougeReport(unit_label(lang, tokenizer_name), scores)
    report.notes = [note for note in (refused_note(refused, len(preds)),) if note]
    if per_sample is not None:
        write_per_sample(report, per_sample)
    return report
