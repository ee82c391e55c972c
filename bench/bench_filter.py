"""Benchmark the round-trip filter against what a user would write by hand.

1. Translation throughput against a loopback server that takes 50 ms per request: our engine
   (packing up to 5,000 characters, 4 requests in flight) versus a plain deep-translator loop
   that sends one request per text. Both talk to the same server, in the same run.
2. Scoring and ranking 142,000 (summary, back-translation) pairs: `cls_data.filter.select` versus a
   rouge-score loop with the same Vietnamese tokenizer. The rouge-score loop is measured on a
   subsample and extrapolated linearly (it is a per-pair loop: its cost is linear in pairs).

Run: python bench/bench_filter.py [--texts 400] [--pairs 142000] [--baseline-pairs 5000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: tests.support
from cls_data.filter.select import rank, score_roundtrip  # noqa: E402
from cls_data.records import CLSSample  # noqa: E402
from cls_data.text import tokenize_vi  # noqa: E402
from cls_data.translate import EngineConfig, TranslationCache, make_translator, translate_texts  # noqa: E402
from tests.support.fake_mt import FakeMT  # noqa: E402

WORDS = (
    "hà nội thành phố hồ chí minh chính phủ kinh tế người dân tăng trưởng năm nay quốc hội giáo dục "
    "bệnh viện công an giao thông thời tiết bóng đá đội tuyển việt nam xuất khẩu doanh nghiệp nghiên cứu "
    "khoa học trường học sinh viên của các những được cho với đã sẽ không"
).split()


def summaries(n: int, seed: int = 0) -> list[str]:
    """Vietnamese-like summaries of ~48 syllables, the paper's mean summary length."""
    rng = random.Random(seed)
    return [f"{i}: " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(36, 60))) + "." for i in range(n)]


def bench_translation(n_texts: int, baseline_texts: int) -> None:
    from deep_translator import GoogleTranslator

    texts = summaries(n_texts)
    with FakeMT(delay=0.05) as server:
        start = time.perf_counter()
        for text in texts[:baseline_texts]:  # what a user writes: one request per text
            translator = GoogleTranslator(source="vi", target="zh-CN")
            translator._base_url = server.url + "/m"
            translator.translate(text)
        plain_s = time.perf_counter() - start
        plain_requests = len(server.requests)

        with tempfile.TemporaryDirectory() as tmp:
            cache = TranslationCache(Path(tmp) / "cache.sqlite")
            ours = make_translator("google", url=server.url + "/m")
            start = time.perf_counter()
            done, stats = translate_texts(texts, ours, "vi", "zh-CN", cache, EngineConfig(concurrency=4))
            ours_s = time.perf_counter() - start
            cache.close()
    assert len(done) == n_texts and stats.failed == 0
    plain_rate, ours_rate = baseline_texts / plain_s, n_texts / ours_s
    print(
        f"translation, loopback server 50 ms/request, {n_texts} summaries (mean {sum(map(len, texts)) / n_texts:.0f} "
        "chars)"
    )
    print(
        f"  plain deep-translator loop: {plain_rate:8.1f} texts/s  {plain_requests / baseline_texts:.3f} requests/text"
        f"  ({baseline_texts} texts in {plain_s:.2f} s)"
    )
    print(
        f"  cls-data engine:            {ours_rate:8.1f} texts/s  {stats.requests / n_texts:.3f} requests/text"
        f"  ({n_texts} texts in {ours_s:.2f} s)"
    )
    print(f"  speed-up: {ours_rate / plain_rate:.1f}x (goal >= 20x)")


def pairs(n: int, seed: int = 1) -> list[CLSSample]:
    rng = random.Random(seed)
    out = []
    for i, summary in enumerate(summaries(n, seed)):
        words = summary.split()
        back = [w for w in words if rng.random() > 0.25]  # a lossy round trip, each one different
        for _ in range(rng.randint(0, 4)):
            back.insert(rng.randrange(len(back) + 1), rng.choice(WORDS))
        out.append(
            CLSSample(
                id=f"s{i:06d}", text="", summary=summary, src_lang="vi", tgt_lang="zh", back_summary=" ".join(back)
            )
        )
    return out


def bench_scoring(n_pairs: int, baseline_pairs: int) -> None:
    from rouge_score import rouge_scorer

    samples = pairs(n_pairs)

    class ViTokenizer:  # rouge-score's own tokenizer would shred Vietnamese
        def tokenize(self, text):
            return tokenize_vi(text)

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=ViTokenizer())
    sub = samples[:baseline_pairs]
    start = time.perf_counter()
    values = []
    for s in sub:
        result = scorer.score(s.summary, s.back_summary)
        values.append(((result["rouge1"].fmeasure + result["rouge2"].fmeasure + result["rougeL"].fmeasure) / 3, s.id))
    values.sort(key=lambda v: (-v[0], v[1]))
    baseline_s = (time.perf_counter() - start) * n_pairs / baseline_pairs

    start = time.perf_counter()
    score_roundtrip(samples, "vi", "mean")
    ranked = rank(samples)
    ours_s = time.perf_counter() - start
    check = rank(samples[:baseline_pairs])
    assert [s.id for s in check] == [v[1] for v in values], "rankings differ from rouge-score's"
    print(f"scoring + ranking {n_pairs:,} pairs (~48-syllable Vietnamese summaries), ROUGE-1/2/L mean")
    print(f"  rouge-score loop: {baseline_s:7.1f} s (measured on {baseline_pairs:,} pairs, extrapolated linearly)")
    print(
        f"  cls-data:         {ours_s:7.1f} s  (top pair {ranked[0].id}, same ranking as rouge-score on the subsample)"
    )
    print(f"  speed-up: {baseline_s / ours_s:.1f}x (goal >= 10x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--baseline-texts", type=int, default=80)
    parser.add_argument("--pairs", type=int, default=142_000)
    parser.add_argument("--baseline-pairs", type=int, default=5_000)
    args = parser.parse_args()
    bench_translation(args.texts, args.baseline_texts)
    bench_scoring(args.pairs, args.baseline_pairs)


if __name__ == "__main__":
    main()
