"""Claims and leases on a shared RUNS folder, the drain of runs by many workers, and the makespan of its schedule."""

from __future__ import annotations

import multiprocessing
import os
import socket
import time
from pathlib import Path

import pytest

from cls_data.benchmark.claims import Claim, LeaseLost, claim_path
from cls_data.benchmark.schedule import Costed, drain, makespan, static_makespan


def test_of_two_workers_one_holds_a_claim_and_the_other_is_refused_while_it_is_renewed(tmp_path):
    path = claim_path(tmp_path, "Vi2ZhLow/mbart-cls/n50/seed0")
    first, second = Claim(path, lease=0.4), Claim(path, lease=0.4)
    assert first.acquire()
    deadline = time.monotonic() + 1.2  # three leases: the heartbeat keeps it live
    while time.monotonic() < deadline:
        assert not second.acquire()
        time.sleep(0.05)
    first.release()
    assert not path.exists() and second.acquire()
    second.release()
    assert not list(path.parent.glob("*.tmp")) and not list(path.parent.glob("*.stale"))


def test_a_claim_whose_process_died_on_this_host_is_taken_over_at_once(tmp_path):
    path = claim_path(tmp_path, "run")
    path.parent.mkdir(parents=True)
    dead = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(0,))
    dead.start(), dead.join()
    path.write_text(f"{socket.gethostname()} {dead.pid} token\n")
    taker = Claim(path, lease=3600)
    assert taker.acquire() and taker.holder() == taker.token
    taker.release()


def test_a_claim_of_another_host_is_taken_over_only_after_a_whole_lease_without_renewal(tmp_path):
    path = claim_path(tmp_path, "run")
    path.parent.mkdir(parents=True)
    path.write_text("node17 4242 token\n")
    taker = Claim(path, lease=0.3)
    assert not taker.acquire()  # first seen now: its lease starts on our clock
    time.sleep(0.15)
    assert not taker.acquire()
    time.sleep(0.2)
    assert taker.acquire() and taker.holder() == taker.token
    taker.release()


def test_a_holder_whose_claim_was_taken_over_learns_it_and_stops(tmp_path):
    path = claim_path(tmp_path, "run")
    holder = Claim(path, lease=0.2)
    assert holder.acquire()
    holder._stop.set(), holder._beat.join()  # a holder frozen (e.g. a stalled NFS mount): no renewal
    holder._stop.clear()
    taker = Claim(path, lease=0.2)
    assert not taker.acquire()
    time.sleep(0.25)
    assert taker.acquire()
    holder._start_heartbeat()  # it wakes up: its next two beats find the claim is not its own
    time.sleep(0.3)
    with pytest.raises(LeaseLost):
        holder.check()
    holder.release()
    assert taker.holder() == taker.token  # the holder that lost it does not remove the taker's claim
    taker.release()


def _worker(out: str, names: list[str], log: str, seconds: float) -> None:
    done = Path(out)

    def work(name: str, claim: Claim) -> str:
        with open(log, "a") as handle:
            handle.write(f"{name} {os.getpid()}\n")
        time.sleep(seconds)
        (done / name).mkdir(parents=True)
        return "done"

    drain(names, done, lambda name: "done" if (done / name).exists() else None, work, poll=0.02)


def test_workers_draining_one_folder_do_every_name_exactly_once(tmp_path):
    names = [f"run{i:02d}" for i in range(16)]
    log = tmp_path / "log.txt"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_worker, args=(str(tmp_path / "out"), names, str(log), 0.05)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    lines = log.read_text().split("\n")[:-1]
    assert sorted(line.split()[0] for line in lines) == names  # each once
    assert len({line.split()[1] for line in lines}) > 1  # and shared between workers


def test_a_worker_finds_nothing_to_do_when_every_name_is_settled(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    drained = drain(
        ["a", "b"],
        tmp_path,
        lambda n: "done" if (tmp_path / n).exists() else None,
        lambda n, c: pytest.fail("nothing to do"),
    )
    assert drained.mine == {} and drained.others == ["a", "b"]


def test_the_dynamic_schedule_finishes_uneven_runs_sooner_than_round_robin_shards():
    costs = [
        Costed(f"r{i}", hours) for i, hours in enumerate([2.7, 2.7, 2.7, 0.1, 0.1, 0.1, 1.0, 1.0, 0.2, 0.2, 2.0, 0.5])
    ]
    # 2.7 | 2.7 | 2.7 | 2.0 taken first; then 1.0 -> the 2.0 worker (3.0), 1.0 -> a 2.7 worker (3.7), the rest fill in
    assert makespan(costs, 4) == pytest.approx(3.7)
    assert static_makespan(costs, 4) > makespan(costs, 4)
    assert makespan(costs, 1) == pytest.approx(sum(c.own for c in costs))


def test_a_run_waits_for_the_shared_stage_another_worker_is_training():
    costs = [Costed("tflcls", 1.0, ("stage1", 2.0)), Costed("no-mul", 0.5, ("stage1", 2.0))]
    assert makespan(costs, 2) == pytest.approx(3.0)  # stage 1 (2 h) then tflcls (1 h); no-mul waits 2 h, runs 0.5 h
    assert makespan(costs, 1) == pytest.approx(3.5)  # stage 1 once
