"""The judge's requests: one judgement per (document, summary), asked again on an invalid answer or a 429/5xx.

A judgement that is still not a valid answer after `attempts` tries is counted failed, never guessed.
The transport (key from OPENAI_API_KEY, typed errors, the key never in a message) is `openai_compat`'s.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from cls_data.errors import ClsDataError
from cls_data.openai_compat import (
    ChatAPI,
    ServerError,
    Unreachable,
    chat_body,
    completion,
)
from cls_data.report.judge.prompt import InvalidAnswer, Verdict, messages, parse_verdict

MAX_TOKENS = 512  # one JSON object and a sentence; a reasoning model's <think> block included
MAX_WAIT = 30.0  # seconds, at most, before asking again after a 429/5xx


@dataclass
class Usage:
    """What the judge cost this report: requests sent, answers rejected, tokens the server reported.

    Judgements run in several threads: counts change through `add`, under a lock."""

    requests: int = 0
    invalid: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)

    def as_dict(self) -> dict[str, int]:
        return {
            name: getattr(self, name)
            for name in ("requests", "invalid", "errors", "prompt_tokens", "completion_tokens")
        }


@dataclass
class Outcome:
    verdict: Verdict | None
    failure: str | None = None  # why the judgement failed, after every attempt
    transient: bool = False  # failed on the server (429/5xx/no answer), not on its answers: not cached


@dataclass
class Judge:
    url: str
    model: str
    attempts: int = 3
    timeout: float = 120.0
    usage: Usage = field(default_factory=Usage)

    def __post_init__(self) -> None:
        self._api = ChatAPI(self.url, "--judge-url", timeout=self.timeout)

    def check(self) -> None:
        """One line now, rather than every judgement failing: the server is unreachable or lacks the model."""
        self._api.require_model(self.model, "the judge")

    def judge(self, document: str, summary: str, src: str, tgt: str) -> Outcome:
        body = chat_body(self.model, messages(document, summary, src, tgt), MAX_TOKENS)
        failure, transient = "no attempt", False
        for attempt in range(self.attempts):
            try:
                self.usage.add(requests=1)
                data = self._api.request("POST", "/chat/completions", json=body)
                self._count_tokens(data)
                return Outcome(parse_verdict(completion(data).content))
            except InvalidAnswer as exc:
                self.usage.add(invalid=1)
                failure, transient = f"invalid answer ({exc})", False
            except Unreachable as exc:
                raise ClsDataError(f"cannot reach the judge at {self._api.base_url}: {exc}") from None
            except ServerError as exc:
                self.usage.add(errors=1)
                failure, transient = str(exc), True
                if attempt + 1 < self.attempts:
                    time.sleep(min(exc.retry_after if exc.retry_after is not None else 2.0**attempt, MAX_WAIT))
        return Outcome(None, failure, transient)

    def _count_tokens(self, data: object) -> None:
        usage = data.get("usage") if isinstance(data, dict) else None
        if isinstance(usage, dict):
            self.usage.add(
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=int(usage.get("completion_tokens") or 0),
            )

    def close(self) -> None:
        self._api.close()
