"""Spreading requests over several replicas of one server: the least loaded healthy one, a failing one drained a while.

Used by the translators (`--translator-url A,B,C`) and the benchmark's LLM client (`--llm-url A,B,C`). A request
that fails on one server (connection refused or dropped, 5xx, 429) is sent again to another; the failed server
gets no request until its cool-down ends (doubling while it keeps failing, or its Retry-After), so a replica that
dies is drained and one that comes back is used again. Nothing is lost or answered twice: a text is answered by
the one request that succeeded.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class Balancer:
    """Which of `labels` (one per server) takes the next request; what each served, how often it was drained."""

    def __init__(self, labels: list[str], cooldown: float = 2.0, max_cooldown: float = 120.0) -> None:
        self.labels, self.cooldown, self.max_cooldown = list(labels), cooldown, max_cooldown
        self.in_flight = [0] * len(labels)
        self.down_until = [0.0] * len(labels)
        self.failures = [0] * len(labels)
        self.served: Counter = Counter()  # label -> items answered (texts, prompts)
        self.drained: Counter = Counter()  # label -> times taken out of rotation
        self._lock = threading.Lock()

    def pick(self, tried: set[int]) -> int | None:
        """The healthy server not yet `tried` for this request with the fewest requests in flight (None: none left)."""
        now = time.monotonic()
        with self._lock:
            ready = [i for i in range(len(self.labels)) if i not in tried and self.down_until[i] <= now]
            if not ready:
                return None
            index = min(ready, key=lambda i: (self.in_flight[i], i))
            self.in_flight[index] += 1
            return index

    @contextmanager
    def using(self, index: int) -> Iterator[None]:
        try:
            yield
        finally:
            with self._lock:
                self.in_flight[index] -= 1

    def succeeded(self, index: int, items: int) -> None:
        with self._lock:
            self.failures[index] = 0
            self.served[self.labels[index]] += items

    def failed(self, index: int, retry_after: float | None = None) -> None:
        """Out of rotation: for its Retry-After, else a cool-down doubling with each failure in a row."""
        with self._lock:
            self.failures[index] += 1
            self.drained[self.labels[index]] += 1
            if len(self.labels) == 1 and retry_after is None:
                return  # one server: the caller's own backoff spaces its retries
            pause = retry_after if retry_after is not None else self.cooldown * 2 ** (self.failures[index] - 1)
            self.down_until[index] = time.monotonic() + min(self.max_cooldown, pause)

    def next_back(self) -> float:
        """Seconds until the first drained server is back in rotation (0 when one is ready)."""
        with self._lock:
            return max(0.0, min(self.down_until) - time.monotonic())
