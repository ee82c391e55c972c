"""Tokenization cost of the languages.tsv ROUGE schemes against the pinned rules they sit beside.

Baselines measured in the same run: the `vi` rule (`re`, `\\w+`) on the same German texts as `words`,
the `zh` rule on the same Japanese text as `chars`. Run: python bench/bench_rouge_schemes.py
"""

from __future__ import annotations

import time
from pathlib import Path

from cls_data.rouge_schemes import tokenize_chars, tokenize_clusters, tokenize_words
from cls_data.text import tokenize_vi, tokenize_zh

TEXTS = Path(__file__).parent / "data" / "latin_texts.tsv"
JA = "東京都は新型コロナウイルスの感染者が100人確認されたと発表しました。"
TH = "นายกรัฐมนตรีแถลงข่าวที่ทำเนียบรัฐบาลเมื่อวันจันทร์ เกี่ยวกับมาตรการกระตุ้นเศรษฐกิจ COVID-19"


def per_text(tokenize, texts: list[str]) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for text in texts:
            tokenize(text)
        best = min(best, time.perf_counter() - started)
    return best / len(texts) * 1e6


def main() -> None:
    latin = [
        line.split("\t", 1)[1] for line in TEXTS.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
    ] * 400
    cases = [
        ("vi rule (baseline), Latin news leads", tokenize_vi, latin),
        ("words, same texts", tokenize_words, latin),
        ("zh rule (baseline), Japanese", tokenize_zh, [JA] * len(latin)),
        ("chars, same text", tokenize_chars, [JA] * len(latin)),
        ("clusters, Thai", tokenize_clusters, [TH] * len(latin)),
    ]
    try:
        from cls_data.rouge_schemes import tokenize_th_words

        tokenize_th_words(TH)  # load the dictionary outside the timing
        cases.append(("th-words (pythainlp newmm), same Thai", tokenize_th_words, [TH] * (len(latin) // 10)))
    except Exception as exc:  # the `thai` extra is optional
        print(f"th-words skipped: {exc}")
    for name, tokenize, texts in cases:
        print(f"{name}: {per_text(tokenize, texts):.1f} us a text ({len(texts):,} texts, best of 3)")


if __name__ == "__main__":
    main()
