"""The dynamic schedule of a grid over many workers: runs by estimated cost, most expensive first, and its makespan.

Workers claim the most expensive unclaimed run (`drain`); a run that needs a shared stage-1 run trains it first
when no worker has started it, else waits for it. `makespan` simulates that schedule on `plan`'s cost estimates
(no torch), `static_makespan` the old round-robin `--shard` split, for comparison.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cls_data.benchmark.claims import Claim, LeaseLost, claim_path
from cls_data.benchmark.context import RunContext, RunSpec
from cls_data.benchmark.plan import plan
from cls_data.benchmark.registry import get_variant
from cls_data.run_folder import shared_rel_dir


@dataclass(frozen=True)
class Costed:
    """One run's estimated hours: its own stages and decoding, and the shared stage-1 run it needs (name, hours)."""

    rel_dir: str
    own: float
    shared: tuple[str, float] | None = None

    @property
    def total(self) -> float:
        return self.own + (self.shared[1] if self.shared else 0.0)


def costed_runs(runs: list[RunSpec], ctx: RunContext) -> list[Costed]:
    """The runs, most expensive first (ties by folder), with `plan`'s estimates under `ctx` (done runs cost 0)."""
    hours = {item.run_dir: item.hours for item in plan(runs, ctx)}
    costed = []
    for run in runs:
        rel = run.rel_dir.as_posix()
        stages = get_variant(run.variant).stages
        shared = next(
            (
                shared_rel_dir(run.dataset_name, s.shared, run.train_size, run.seed).as_posix()
                for s in stages
                if s.shared
            ),
            None,
        )
        costed.append(Costed(rel, hours.get(rel, 0.0), (shared, hours.get(shared, 0.0)) if shared else None))
    return sorted(costed, key=lambda c: (-c.total, c.rel_dir))


def makespan(costed: list[Costed], workers: int) -> float:
    """Hours until `workers` workers drain the runs as `drain` does: each takes the most expensive run it can start,
    training its shared stage first when no worker has started it, and passing over runs whose shared stage another
    worker is still training (it waits only when nothing else is left)."""
    free = [0.0] * max(1, workers)
    shared_end: dict[str, float] = {}
    remaining = sorted(costed, key=lambda c: (-c.total, c.rel_dir))
    end = 0.0
    while remaining:
        start = heapq.heappop(free)
        ready = [
            c for c in remaining if not c.shared or c.shared[0] not in shared_end or shared_end[c.shared[0]] <= start
        ]
        if not ready:  # every run left waits for a shared stage in training: wait for the first to end
            heapq.heappush(free, min(shared_end[c.shared[0]] for c in remaining if c.shared))
            continue
        run = ready[0]
        remaining.remove(run)
        if run.shared and run.shared[0] not in shared_end:
            shared_end[run.shared[0]] = start = start + run.shared[1]
        finish = start + run.own
        end = max(end, finish)
        heapq.heappush(free, finish)
    return end


def static_makespan(costed: list[Costed], workers: int) -> float:
    """Hours of `--shard K/N` for K = 1..N: every N-th run by folder, each shard alone (shared stages counted where
    first needed, ignoring waits)."""
    ordered = sorted(costed, key=lambda c: c.rel_dir)
    seen: set[str] = set()
    loads = [0.0] * max(1, workers)
    for index, run in enumerate(ordered):
        extra = run.shared[1] if run.shared and run.shared[0] not in seen else 0.0
        if run.shared:
            seen.add(run.shared[0])
        loads[index % len(loads)] += run.own + extra
    return max(loads)


DEFERRED = "deferred"  # what `work` returns for a name that must wait for another worker (a shared stage in training)


@dataclass
class Drained:
    """What one worker's `drain` did: the names it did, found settled by others, and the outcome of each it did."""

    mine: dict[str, str]  # name -> the `work` callback's status
    others: list[str]  # settled by another worker (or before this one started)


def drain(
    names: list[str],
    out: Path,
    settled: Callable[[str], str | None],
    work: Callable[[str, Claim], str],
    poll: float = 0.5,
    on_turn: Callable[[str, int, int], None] | None = None,
) -> Drained:
    """Do every name not yet settled, in the given order (most expensive first), one claim at a time.

    `settled(name)`: "done", "failed" (in this session) or None. A worker takes the first unsettled name it can
    claim, then looks again from the top; names claimed by live workers are waited for (a stale claim is taken over),
    so the call returns when every name is settled. `work` returning DEFERRED passes a name over until the worker
    has found nothing else to do.
    """
    result = Drained({}, [])
    observers: dict[str, Claim] = {}  # one per name: it remembers how long a claim has looked unchanged
    pending, deferred = list(names), set()
    while pending:
        took = False
        for name in list(pending):
            if name in deferred:
                continue
            if settled(name):
                pending.remove(name)
                if name not in result.mine:
                    result.others.append(name)
                continue
            claim = observers.setdefault(name, Claim(claim_path(out, name)))
            if not claim.acquire():
                continue
            observers.pop(name)
            try:
                if settled(name):  # finished between the look and the claim
                    continue
                if on_turn:
                    on_turn(name, len(names) - len(pending), len(names))
                status = work(name, claim)
                if status == DEFERRED:  # it needs what another worker is making: try the next name first
                    deferred.add(name)
                    continue
                result.mine[name] = status
            except LeaseLost:  # taken over by a worker that thought this one dead: it finishes the run
                pass
            finally:
                claim.release()
            took = True
            break
        if pending and not took:
            deferred.clear()
            time.sleep(poll)
    return result
