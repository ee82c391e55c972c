"""`llm-prompt` through an OpenAI-compatible server (vLLM, SGLang, llama.cpp, Ollama, a provider): greedy answers, many in flight.

The transport, the key (`OPENAI_API_KEY`, sent to `--llm-url`'s host only, never in an error, a log,
a run folder or a card) and the typed errors are `cls_data.openai_compat`'s; what is ours is the
retry policy: 429/500/502/503/504 and lost connections are retried, after Retry-After when the
server sends one; other errors stop the run with the server's own message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from cls_data.errors import ClsDataError
from cls_data.openai_compat import ChatAPI, NoAnswer, ServerError

RETRY_STATUSES = (429, 500, 502, 503, 504)
T = TypeVar("T")


class ChatClient:
    """Blocking chat completions against one OpenAI-compatible `base_url` (".../v1"), greedy, one answer each."""

    def __init__(self, base_url: str, model: str, *, timeout: float = 300.0, retries: int = 5, concurrency: int = 16,
                 backoff: float = 1.0) -> None:
        self._api = ChatAPI(base_url, "--llm-url", timeout=timeout)
        self.base_url = self._api.base_url
        self.retries, self.concurrency, self.backoff = retries, concurrency, backoff
        self.model = self._served_name(model)

    def _retrying(self, call: Callable[[], T], path: str) -> T:
        for attempt in range(self.retries + 1):
            try:
                return call()
            except NoAnswer as exc:
                if attempt == self.retries:
                    raise ClsDataError(self._api.redact(f"--llm-url {self.base_url}: {exc}")) from None
                wait = self.backoff * 2 ** attempt
            except ServerError as exc:
                if exc.status not in RETRY_STATUSES or attempt == self.retries:
                    raise ClsDataError(self._api.redact(f"--llm-url {self.base_url}{path}: {exc}")) from None
                wait = exc.retry_after if exc.retry_after is not None else self.backoff * 2 ** attempt
            time.sleep(min(wait, 60.0))
        raise AssertionError("unreachable")

    def _served_name(self, wanted: str) -> str:
        """`wanted` if the server lists it; the only model it serves otherwise (vLLM names a local folder by its path)."""
        served = self._retrying(self._api.models, "/models")
        if wanted in served or not served:
            return wanted
        if len(served) == 1:
            return served[0]
        raise ClsDataError(f"--llm-url {self.base_url} serves {', '.join(served)}, not {wanted!r}: pass --backbone llm=NAME")

    def complete(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        answer = self._retrying(lambda: self._api.chat(self.model, messages, max_tokens), "/chat/completions")
        return answer.content or ""

    def complete_all(self, conversations: Sequence[list[dict[str, str]]], max_tokens: int,
                     on_progress: Callable[[int, int], None] | None = None) -> list[str]:
        """Answers in the order of `conversations`, `concurrency` requests in flight (the server batches them)."""
        answers: list[str] = [""] * len(conversations)
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            futures = [pool.submit(self.complete, messages, max_tokens) for messages in conversations]
            for index, future in enumerate(futures):
                answers[index] = future.result()
                if on_progress:
                    on_progress(index + 1, len(futures))
        return answers

    def close(self) -> None:
        self._api.close()
