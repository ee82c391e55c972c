"""Our ROUGE vs a loop over rouge-score's RougeScorer.score, on the same tokens, in one run.

Pairs imitate the round-trip filter's workload: a Vietnamese (or Chinese) summary of news length
and a perturbed "back-translation" of it (words dropped, swapped and replaced). Both sides
tokenize with cls_data's tokenizer, so the figure compares scoring, and the numbers must agree.

    python bench/bench_rouge.py [--pairs 40000] [--lang vi|zh]
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from pathlib import Path

from cls_data.rouge import available_cores, score_texts
from cls_data.text import get_tokenizer

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def make_pairs(lang: str, n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    source = (DATA / ("summaries_vi.txt" if lang == "vi" else "summaries_zh.txt")).read_text(encoding="utf-8")
    vocab = source.split() if lang == "vi" else [ch for ch in source if not ch.isspace()]
    joiner = " " if lang == "vi" else ""
    length = (40, 70) if lang == "vi" else (40, 70)  # Table 1: 48 vi words, 53 zh characters
    refs, preds = [], []
    for _ in range(n):
        ref = [rng.choice(vocab) for _ in range(rng.randint(*length))]
        pred = list(ref)
        for _ in range(rng.randint(0, len(pred) // 3)):
            op, i = rng.random(), rng.randrange(len(pred))
            if op < 0.4:
                pred[i] = rng.choice(vocab)
            elif op < 0.7:
                del pred[i]
            else:
                j = rng.randrange(len(pred))
                pred[i], pred[j] = pred[j], pred[i]
        refs.append(joiner.join(ref))
        preds.append(joiner.join(pred))
    return preds, refs


class SameTokens:
    def __init__(self, lang: str):
        self.tokenize = get_tokenizer(lang)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=40_000)
    parser.add_argument("--lang", choices=("vi", "zh"), default="vi")
    args = parser.parse_args()
    preds, refs = make_pairs(args.lang, args.pairs)
    # Imported here, not at the top: worker processes re-import this script, and rouge-score
    # pulls in nltk, which would be charged to our start-up.
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=SameTokens(args.lang))
    start = time.perf_counter()
    baseline = [scorer.score(ref, pred) for pred, ref in zip(preds, refs, strict=False)]
    baseline_s = time.perf_counter() - start

    start = time.perf_counter()
    single = score_texts(preds, refs, args.lang, workers=1)
    single_s = time.perf_counter() - start

    start = time.perf_counter()
    ours = score_texts(preds, refs, args.lang)  # the batch API's default: all available cores
    ours_s = time.perf_counter() - start
    assert ours == single

    worst = max(
        abs(getattr(mine, metric).fmeasure - theirs[metric].fmeasure)
        for mine, theirs in zip(ours, baseline, strict=False)
        for metric in ("rouge1", "rouge2", "rougeL")
    )
    print(f"machine: {platform.machine()} {platform.processor() or ''}, Python {platform.python_version()}")
    print(f"pairs: {args.pairs:,} {args.lang} (tokenize + ROUGE-1/2/L)")
    print(f"rouge-score loop (1 core):     {baseline_s:8.2f} s  ({args.pairs / baseline_s:10,.0f} pairs/s)")
    print(f"cls_data.rouge, 1 core:        {single_s:8.2f} s  ({args.pairs / single_s:10,.0f} pairs/s)")
    print(
        f"cls_data.rouge, {available_cores()} cores (default): {ours_s:8.2f} s  ({args.pairs / ours_s:10,.0f} pairs/s)"
    )
    print(
        f"speed-up: {baseline_s / ours_s:.1f}x with the default batch API, {baseline_s / single_s:.1f}x on one core;"
        f" max |F1 difference|: {worst:.2e}"
    )


if __name__ == "__main__":
    main()
