"""The paper's ROUGE unit: `cls_data.paper_rouge` against the `rouge` package (pltrdy) it reproduces, same pieces.

Chinese summary pairs of news length (jieba dictionary words, 14-30 words per reference, the prediction a
perturbed copy: words dropped, repeated and reordered) tokenized once by a SentencePiece (Unigram) mBART
tokenizer trained on them; both sides then score the same piece strings. Reported: seconds for each, the
speed-up, and the largest per-pair F1 difference (0 expected to ~1e-15). Run:

    python bench/bench_paper_rouge.py --pairs 3000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cls_data.benchmark.families.mbart import train_mbart_tokenizer  # noqa: E402
from cls_data.paper_rouge import pieces_text, score_pair  # noqa: E402
from tests.test_paper_rouge import _chinese_pairs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3000)
    args = parser.parse_args()
    from rouge import Rouge

    pairs = _chinese_pairs(args.pairs, seed=11)
    tokenizer = train_mbart_tokenizer([t for pair in pairs for t in pair], vocab_size=2000)
    hyps = [pieces_text(tokenizer, p) for p, _ in pairs]
    refs = [pieces_text(tokenizer, r) for _, r in pairs]
    started = time.perf_counter()
    package = Rouge().get_scores(hyps, refs)
    theirs = time.perf_counter() - started
    started = time.perf_counter()
    ours = [score_pair(h, r) for h, r in zip(hyps, refs, strict=True)]
    mine = time.perf_counter() - started
    worst = max(
        abs(o.rouge1.fmeasure - p["rouge-1"]["f"])
        + abs(o.rouge2.fmeasure - p["rouge-2"]["f"])
        + abs(o.rougeL.fmeasure - p["rouge-l"]["f"])
        for o, p in zip(ours, package, strict=True)
    )
    pieces = sum(len(h.split()) + len(r.split()) for h, r in zip(hyps, refs, strict=True)) / (2 * len(hyps))
    print(f"{len(pairs)} pairs, {pieces:.1f} pieces per text, load {os.getloadavg()[0]:.1f}")
    print(
        f"rouge package: {theirs:.2f} s; cls_data.paper_rouge: {mine:.2f} s; speed-up {theirs / mine:.1f}x; "
        f"largest summed F1 difference {worst:.2e}"
    )


if __name__ == "__main__":
    main()
