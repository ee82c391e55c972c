"""Claims on work many workers share over one RUNS folder: an atomic claim file held by a lease a live worker renews.

A claim is `RUNS/.claims/<name>.claim`, created by `link(2)` of a file unique to its writer (host, pid, uuid) and
checked by its link count: the NFS-safe way to create a file exclusively (open(2): O_EXCL is only atomic on NFSv3+,
and a retried link RPC may answer EEXIST although it succeeded; the link count says what happened). Its holder renews
it every `lease/4` seconds by setting its mtime (one `utime`, the server's clock). Another worker judges a claim stale
when it has seen the same (mtime, content) for a whole lease on its own monotonic clock, so clocks of different nodes
never meet; on the same host a holder whose pid is gone is stale at once. A stale claim is renamed aside (only one
taker's rename succeeds), checked unchanged, removed, and claimed anew. docs/scale-out.md says what this relies on.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

CLAIMS = ".claims"
DEFAULT_LEASE_SECONDS = 180.0  # above NFS's default attribute cache (acregmax 60 s): a renewal is seen in time


def lease_seconds() -> float:
    """The lease: CLS_DATA_LEASE_SECONDS, else 180 s (tests shorten it)."""
    return float(os.environ.get("CLS_DATA_LEASE_SECONDS") or DEFAULT_LEASE_SECONDS)


def claim_path(out: Path, rel: Path | str) -> Path:
    """The claim file of `rel` (a run folder, a shared stage, a cache entry) under RUNS/.claims/."""
    return out / CLAIMS / f"{Path(rel).as_posix().replace('/', '~')}.claim"


class LeaseLost(BaseException):
    """This worker's claim was taken over (it looked dead): its run stops without recording a failure.

    A BaseException, like KeyboardInterrupt, so the grid's per-run `except Exception` does not write failed.json."""


class Claim:
    """One claim file; `acquire()` takes it (or a stale one over), `release()` gives it up; a heartbeat renews it."""

    def __init__(self, path: Path, lease: float | None = None) -> None:
        self.path, self.lease = path, lease if lease is not None else lease_seconds()
        self.token = f"{socket.gethostname()} {os.getpid()} {uuid.uuid4().hex}"
        self.lost = threading.Event()
        self._seen: tuple[tuple[int, str], float] | None = None  # (signature, when first seen on our clock)
        self._beat: threading.Thread | None = None
        self._stop = threading.Event()

    # --- taking and giving up
    def acquire(self) -> bool:
        """True when this worker now holds the claim (created, or a stale one taken over)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._create():
            self._start_heartbeat()
            return True
        signature = self._signature()
        if signature is not None and self._stale(signature) and self._take_over(signature):
            self._start_heartbeat()
            return True
        return False

    def wait_for(self, done: Path, poll: float = 0.5, on_wait: Callable[[], None] | None = None) -> bool:
        """Hold the claim (True) or see `done` appear, made by another holder (False); polls meanwhile."""
        while not done.exists():
            if self.acquire():
                if done.exists():  # finished between our look and our claim
                    self.release()
                    return False
                return True
            if on_wait:
                on_wait()
            time.sleep(poll)
        return False

    def held_by_other(self) -> bool:
        """Whether another worker holds this claim and looks alive (an observer's view; takes nothing)."""
        signature = self._signature()
        return signature is not None and signature[1].strip() != self.token and not self._stale(signature)

    def release(self) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join()
            self._beat = None
        if self.holder() == self.token:
            self.path.unlink(missing_ok=True)

    def holder(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return None

    def check(self) -> None:
        """Raise LeaseLost when another worker took this claim over (called from the run's progress callback)."""
        if self.lost.is_set():
            raise LeaseLost(f"{self.path}: the claim was taken over by another worker")

    # --- the file operations
    def _create(self) -> bool:
        unique = self.path.with_name(f"{self.path.name}.{self.token.replace(' ', '.')}.tmp")
        unique.write_text(self.token + "\n", encoding="utf-8")
        try:
            try:
                os.link(unique, self.path)
            except FileExistsError:
                pass
            return os.stat(unique).st_nlink == 2  # the link count is the truth, whatever link() answered
        finally:
            unique.unlink(missing_ok=True)

    def _signature(self) -> tuple[int, str] | None:
        try:
            return self.path.stat().st_mtime_ns, self.path.read_text(encoding="utf-8")
        except OSError:
            return None

    def _stale(self, signature: tuple[int, str]) -> bool:
        now = time.monotonic()
        host, pid = (signature[1].split() + ["", ""])[:2]
        if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
            return True
        if self._seen is None or self._seen[0] != signature:
            self._seen = (signature, now)
            return False
        return now - self._seen[1] >= self.lease

    def _take_over(self, judged: tuple[int, str]) -> bool:
        aside = self.path.with_name(f"{self.path.name}.{uuid.uuid4().hex}.stale")
        try:
            os.rename(self.path, aside)  # of several takers, one rename succeeds
        except FileNotFoundError:
            return False
        try:
            if (aside.stat().st_mtime_ns, aside.read_text(encoding="utf-8")) != judged:  # renewed meanwhile: put back
                try:
                    os.link(aside, self.path)
                except FileExistsError:
                    pass
                return False
        finally:
            aside.unlink(missing_ok=True)
        self._seen = None
        return self._create()

    # --- the heartbeat
    def _start_heartbeat(self) -> None:
        self._stop.clear()
        self.lost.clear()
        self._beat = threading.Thread(target=self._renew, name=f"lease {self.path.name}", daemon=True)
        self._beat.start()

    def _renew(self) -> None:
        misses = 0
        while not self._stop.wait(self.lease / 4):
            try:
                os.utime(self.path)
                misses = 0 if self.holder() == self.token else misses + 2
            except FileNotFoundError:  # maybe renamed aside by a taker that will put it back: twice means gone
                misses += 1
            if misses >= 2:
                self.lost.set()
                return


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
