"""Benchmark the OpenAI-compatible LLM backend against what a user would write by hand.

A loopback chat server (tests/support/fake_openai.py) answers every request after a fixed
latency plus a time per character of the answer (an LLM server decodes token by token, so a packed
request costs more than a single one). Compared, on the same server in the same run:
1. a plain loop: one chat request per summary, sequential (the usual first script);
2. the cls-data engine with --no-pack: one summary per request, 4 in flight;
3. the cls-data engine as `cls-data filter --translator openai` runs it: 16 summaries per
   request as numbered lines, 4 in flight.
Optionally a share of packed answers misbehaves (chatter, a wrong count), which costs fallbacks.

Run: python bench/bench_openai.py [--texts 400] [--baseline-texts 60] [--latency 0.05] [--per-char 0.0002]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: tests.support
from bench_filter import summaries  # noqa: E402  (this folder is on sys.path when run as a script)

from cls_data.translate import EngineConfig, TranslationCache, make_translator, translate_texts  # noqa: E402
from tests.support.fake_openai import MODEL, FakeChat  # noqa: E402


def plain_loop(server: FakeChat, texts: list[str]) -> float:
    import httpx

    start = time.perf_counter()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for text in texts:
            body = {
                "model": MODEL,
                "temperature": 0,
                "messages": [
                    {"role": "system", "content": "Translate the user's Vietnamese text into Simplified Chinese."},
                    {"role": "user", "content": text},
                ],
            }
            client.post("/chat/completions", json=body).raise_for_status()
    return time.perf_counter() - start


def engine(server: FakeChat, texts: list[str], pack: bool) -> tuple[float, object]:
    with tempfile.TemporaryDirectory() as tmp:
        cache = TranslationCache(Path(tmp) / "cache.sqlite")
        translator = make_translator("openai", url=server.url, model=MODEL, batch_size=16)
        start = time.perf_counter()
        done, stats = translate_texts(texts, translator, "vi", "zh", cache, EngineConfig(concurrency=4, pack=pack))
        seconds = time.perf_counter() - start
        translator.close()
        cache.close()
    assert len(done) == len(texts) and stats.failed == 0
    return seconds, stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--baseline-texts", type=int, default=60)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds every request takes")
    parser.add_argument("--per-char", type=float, default=0.0002, help="seconds per character answered")
    parser.add_argument("--fault-every", type=int, default=0, help="every Nth request misbehaves (0: none)")
    args = parser.parse_args()
    texts = summaries(args.texts)
    mean_chars = sum(map(len, texts)) / len(texts)
    print(
        f"OpenAI-compatible backend, loopback chat server {args.latency * 1000:.0f} ms/request + "
        f"{args.per_char * 1000:.2f} ms/char answered, {args.texts} summaries (mean {mean_chars:.0f} chars)"
        + (f", every {args.fault_every}th request misbehaving" if args.fault_every else "")
    )
    with FakeChat(delay=args.latency, delay_per_char=args.per_char) as server:
        plain_s = plain_loop(server, texts[: args.baseline_texts])
        rows = [("plain loop, one request per text", args.baseline_texts / plain_s, 1.0, args.baseline_texts, plain_s)]
        for label, pack in (
            ("cls-data engine --no-pack, 4 in flight", False),
            ("cls-data engine, 16 per request, 4 in flight", True),
        ):
            if args.fault_every:  # chatter and wrong counts, alternately, on every Nth request
                server.faults.extend(
                    ("chatter", "wrongcount")[k // args.fault_every % 2] if k % args.fault_every == 0 else ""
                    for k in range(2 * args.texts)
                )
            seconds, stats = engine(server, texts, pack)
            server.faults.clear()
            rows.append((label, args.texts / seconds, stats.requests / args.texts, args.texts, seconds))
    for label, rate, per_text, n, seconds in rows:
        print(f"  {label:<46} {rate:8.1f} texts/s  {per_text:.3f} requests/text  ({n} texts in {seconds:.2f} s)")
    print(f"  speed-up of the packed engine over the plain loop: {rows[2][1] / rows[0][1]:.1f}x")


if __name__ == "__main__":
    main()
