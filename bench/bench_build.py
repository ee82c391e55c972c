"""Leakage check: the shingle index of cls_data.dataset.leakage against brute-force all-pairs overlap.

Both run in this process on the same generated Vietnamese splits with planted near-duplicates;
the figure is the speed-up of the index over the baseline, and both must find the same leaks.
Run: python bench/bench_build.py [--train 1000 --eval 300 --words 300]
"""

from __future__ import annotations

import argparse
import random
import time

from cls_data.dataset.leakage import PAIRS, find_leaks, shingles

VOCAB = [f"{a}{b}" for a in "bcdghklmnpqrstvx" for b in ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")]


def make_splits(n_train: int, n_eval: int, words: int, seed: int = 0) -> dict[str, list[dict]]:
    rng = random.Random(seed)

    def row(split, i):
        return {
            "id": f"{split}{i}",
            "text": " ".join(rng.choices(VOCAB, k=words)),
            "summary": " ".join(rng.choices(VOCAB, k=40)),
        }

    splits = {
        "train": [row("tr", i) for i in range(n_train)],
        "validation": [row("va", i) for i in range(n_eval)],
        "test": [row("te", i) for i in range(n_eval)],
    }
    for k in range(0, n_eval, 25):  # plant near copies: a document and a summary with a small edit
        splits["test"][k]["text"] = splits["train"][k]["text"] + " thêm"
        splits["validation"][k]["summary"] = "tin " + splits["train"][2 * k]["summary"]
    return splits


def brute_force(splits, threshold=0.8):
    """Every pair compared on full shingle sets (no sampling, no index): the baseline."""
    found = set()
    for field, n in (("text", 6), ("summary", 4)):
        sets = {name: [shingles(r[field], "vi", n) for r in rows] for name, rows in splits.items()}
        for left, right in PAIRS:
            for j, b in enumerate(sets[right]):
                for i, a in enumerate(sets[left]):
                    if a and b and len(a & b) / min(len(a), len(b)) >= threshold:
                        found.add((field, splits[right][j]["id"], splits[left][i]["id"]))
                        break
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=1000)
    parser.add_argument("--eval", type=int, default=300)
    parser.add_argument("--words", type=int, default=300)
    args = parser.parse_args()
    splits = make_splits(args.train, args.eval, args.words)
    start = time.perf_counter()
    base = brute_force(splits)
    t_base = time.perf_counter() - start
    start = time.perf_counter()
    fast = {(leak.field, leak.id, leak.other_id) for leak in find_leaks(splits, "vi")}
    t_fast = time.perf_counter() - start
    print(f"splits: train {args.train}, validation {args.eval}, test {args.eval}; {args.words} words per document")
    print(f"brute force all pairs: {t_base:.2f} s, {len(base)} leaks")
    print(f"shingle index:         {t_fast:.2f} s, {len(fast)} leaks, same pairs: {fast == base}")
    print(f"speed-up: {t_base / t_fast:.1f}x")


if __name__ == "__main__":
    main()
