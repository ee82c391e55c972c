"""Benchmark scale-out: runs drained by workers sharing one RUNS folder, and translation over several servers.

1. Claiming (`cls_data.benchmark.schedule.drain`, the code `cls-data benchmark` workers run): the cost profile of
   the paper grid as `--plan` estimates it (131 runs, 0.1x to 2.7x an mBART run), each run a sleep of its
   estimated hours x `--scale` seconds, drained by N worker processes (each claims the most expensive unclaimed
   run through RUNS/.claims); baseline in the same run: `--shard K/N`'s static round-robin, N processes each
   sleeping through every N-th run by folder. Shared stage-1 runs are counted inside the first run that needs them
   (no waits), so both schemes see the same independent tasks. Reported: makespans, their ratio, the schedule's
   simulated makespans (`makespan`, `static_makespan`) beside them.
2. Translation over several servers (`--translator-url A,B,C`): loopback LibreTranslate servers that each answer
   one request at a time (a GPU serving one batch) in `--request-seconds` + `--text-seconds` per text; baseline
   in the same run: one server. Then three servers of which one dies after answering a third of its share.
   Reported: texts/s, the ratio to one server, failed texts (must be 0), texts answered per server.

Run: python bench/bench_scaleout.py [--workers 4] [--scale 0.25] [--texts 600]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: tests.support
from cls_data.benchmark.schedule import Costed, drain, makespan, static_makespan  # noqa: E402
from tests.support.fake_mt import FakeMT  # noqa: E402


# --- 1. claiming
def paper_costs() -> list[Costed]:
    from cls_data.benchmark.context import RunContext
    from cls_data.benchmark.grid import expand_all, load_grid_file
    from cls_data.benchmark.schedule import costed_runs

    grids = load_grid_file(Path(__file__).resolve().parents[1] / "grids" / "paper.toml")
    runs = expand_all(grids)
    with tempfile.TemporaryDirectory() as empty:
        costed = costed_runs(runs, RunContext.from_grid(grids[0], Path(empty)))
    return [Costed(c.rel_dir, c.total) for c in costed]  # independent tasks: stage 1 inside its first run


def _dynamic_worker(out: str, names: list[str], seconds: dict[str, float]) -> None:
    root = Path(out)

    def work(name: str, claim) -> str:
        time.sleep(seconds[name])
        (root / name).mkdir(parents=True)
        return "done"

    drain(names, root, lambda name: "done" if (root / name).exists() else None, work, poll=0.02)


def _static_worker(names: list[str], seconds: dict[str, float]) -> None:
    for name in names:
        time.sleep(seconds[name])


def wall(processes: list) -> float:
    start = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return time.perf_counter() - start


def bench_claiming(workers: int, scale: float) -> None:
    costs = paper_costs()
    seconds = {c.rel_dir: c.own * scale for c in costs}
    names = [c.rel_dir for c in sorted(costs, key=lambda c: (-c.own, c.rel_dir))]
    by_folder = sorted(seconds)
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        static = wall(
            [context.Process(target=_static_worker, args=(by_folder[k::workers], seconds)) for k in range(workers)]
        )
        dynamic = wall([context.Process(target=_dynamic_worker, args=(tmp, names, seconds)) for _ in range(workers)])
        done = sum(1 for _ in Path(tmp).rglob("seed*"))
    work, ideal = sum(seconds.values()), sum(seconds.values()) / workers
    simulated_static, simulated_dynamic = static_makespan(costs, workers) * scale, makespan(costs, workers) * scale
    print(f"claiming: {len(costs)} runs of the paper grid, {work:.1f} s of work in all, {workers} workers")
    print(f"  static round-robin (--shard K/{workers}): {static:.2f} s (simulated {simulated_static:.2f} s)")
    print(
        f"  dynamic claiming, most expensive first: {dynamic:.2f} s (simulated {simulated_dynamic:.2f} s);"
        f" {done} runs made, each once"
    )
    print(f"  static / dynamic: {static / dynamic:.2f}x; ideal (work / {workers}): {ideal:.2f} s")


def simulated(counts: list[int]) -> None:
    """The two schedules on the paper grid's estimates, with stage-1 runs as the dependencies they are."""
    from cls_data.benchmark.context import RunContext
    from cls_data.benchmark.grid import expand_all, load_grid_file
    from cls_data.benchmark.schedule import costed_runs

    grids = load_grid_file(Path(__file__).resolve().parents[1] / "grids" / "paper.toml")
    with tempfile.TemporaryDirectory() as empty:
        costed = costed_runs(expand_all(grids), RunContext.from_grid(grids[0], Path(empty)))
    total = sum(c.own for c in costed) + sum({c.shared[0]: c.shared[1] for c in costed if c.shared}.values())
    print(f"simulated on the paper grid's --plan estimates ({total:.1f} H100-hours, stage 1 shared):")
    for n in counts:
        dyn, stat = makespan(costed, n), static_makespan(costed, n)
        print(
            f"  {n:>2} workers: dynamic {dyn:.2f} h, round-robin at best {stat:.2f} h ({stat / dyn:.2f}x), "
            f"ideal {total / n:.2f} h"
        )


# --- 2. several translation servers
class GPUServer(FakeMT):
    """A FakeMT that answers one request at a time, in a time per request plus a time per text."""

    def __init__(self, request_seconds: float, text_seconds: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.request_seconds, self.text_seconds = request_seconds, text_seconds
        self._gpu = threading.Lock()

    def _answer(self, handler, texts, *args, **kwargs):
        if not self.dead:
            with self._gpu:
                time.sleep(self.request_seconds + self.text_seconds * len(texts))
        return super()._answer(handler, texts, *args, **kwargs)


def translate(urls: list[str], texts: list[str], concurrency: int) -> tuple[float, object]:
    from cls_data.translate import (
        EngineConfig,
        TranslationCache,
        make_translator,
        translate_texts,
    )

    with tempfile.TemporaryDirectory() as tmp:
        cache = TranslationCache(Path(tmp) / "cache.sqlite")
        translator = make_translator("libretranslate", url=",".join(urls), batch_size=8)
        start = time.perf_counter()
        _, stats = translate_texts(
            texts, translator, "vi", "zh", cache, EngineConfig(concurrency=concurrency, backoff_base=0.05)
        )
        seconds = time.perf_counter() - start
        translator.close(), cache.close()
    return seconds, stats


def bench_servers(n_texts: int, request_seconds: float, text_seconds: float) -> None:
    from tests.support.articles import make_articles

    texts = list(dict.fromkeys(article.summary for article in make_articles(n_texts)))
    per_server = 2  # requests in flight per server: one decoding, one waiting
    with GPUServer(request_seconds, text_seconds) as one:
        single, stats_one = translate([one.url], texts, per_server)
    requests_each = len(texts) / 8 / 3
    servers = [
        GPUServer(request_seconds, text_seconds),
        GPUServer(request_seconds, text_seconds, die_after=int(requests_each / 3)),
        GPUServer(request_seconds, text_seconds),
    ]
    for server in servers:
        server.__enter__()
    try:
        pooled, stats = translate([s.url for s in servers], texts, 3 * per_server)
    finally:
        for server in servers:
            if not server.dead:
                server.__exit__(None, None, None)
    print(
        f"translation: {len(texts)} distinct summaries, 8 per request, a server answers one request at a time in "
        f"{request_seconds} s + {text_seconds} s per text"
    )
    print(f"  one server: {len(texts) / single:.1f} texts/s ({single:.2f} s), failed {stats_one.failed}")
    print(
        f"  three servers, the second dying after {int(requests_each / 3)} requests: {len(texts) / pooled:.1f} texts/s "
        f"({pooled:.2f} s), failed {stats.failed}, retries {stats.retries}; {single / pooled:.2f}x one server"
    )
    print(
        "  texts answered per server: "
        + ", ".join(f"{'dying' if s.die_after else 'honest'} {stats.servers[s.url]}" for s in servers)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--workers", default="4,8", help="worker counts, comma-separated")
    parser.add_argument("--scale", type=float, default=1.0, help="seconds of sleep per estimated H100-hour")
    parser.add_argument("--texts", type=int, default=600)
    parser.add_argument("--request-seconds", type=float, default=0.05)
    parser.add_argument("--text-seconds", type=float, default=0.01)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (shared with other work)")
    counts = [int(n) for n in args.workers.split(",")]
    for workers in counts:
        bench_claiming(workers, args.scale)
    simulated(sorted({2, 4, 8, 16, *counts}))
    bench_servers(args.texts, args.request_seconds, args.text_seconds)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
