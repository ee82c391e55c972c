"""`llm-prompt` through an OpenAI-compatible server (vLLM, SGLang, llama.cpp, Ollama, a provider): greedy answers, many
in flight.

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

from cls_data.balance import Balancer
from cls_data.errors import ClsDataError
from cls_data.openai_compat import ChatAPI, NoAnswer, ServerError

RETRY_STATUSES = (429, 500, 502, 503, 504)
T = TypeVar("T")


class ChatClient:
    """Blocking chat completions against OpenAI-compatible servers (".../v1"), greedy, one answer each.

    `base_url` may name several replicas of one model, comma-separated: each request goes to the least loaded one,
    a failing one is drained a while and the request goes to the next (`cls_data.balance`); `served` counts the
    prompts each answered."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        timeout: float = 300.0,
        retries: int = 5,
        concurrency: int = 16,
        backoff: float = 1.0,
    ) -> None:
        urls = [part.strip() for part in base_url.split(",") if part.strip()] or [base_url]
        self._apis = [ChatAPI(url, "--llm-url", timeout=timeout) for url in urls]
        self._api = self._apis[0]
        self.base_url = ",".join(api.base_url for api in self._apis)
        self.balancer = Balancer([api.base_url for api in self._apis])
        self.retries, self.concurrency, self.backoff = retries, concurrency * len(urls), backoff
        self.model = self._served_name(model)

    @property
    def served(self) -> dict[str, int]:
        return {label: self.balancer.served[label] for label in self.balancer.labels}

    def _retrying(self, call: Callable[[ChatAPI], T], path: str, items: int = 1) -> T:
        """`call` on one server after another (least loaded first) until one answers; a round over every server is
        one attempt, retried after Retry-After or a doubling backoff; other errors stop with the server's message."""
        attempt, tried, error, retry_after = 0, set(), None, None
        while True:
            index = self.balancer.pick(tried)
            if index is None:  # every server tried once this round, or drained: one attempt spent
                if attempt == self.retries:
                    raise error or ClsDataError(f"--llm-url {self.base_url}: every server is failing")
                wait = retry_after if retry_after is not None and tried else self.backoff * 2**attempt
                time.sleep(min(max(wait, 0.0 if tried else self.balancer.next_back()), 60.0))
                attempt, tried = attempt + 1, set()
                continue
            tried.add(index)
            api = self._apis[index]
            with self.balancer.using(index):
                try:
                    answer = call(api)
                except NoAnswer as exc:
                    error, retry_after = ClsDataError(api.redact(f"--llm-url {api.base_url}: {exc}")), None
                except ServerError as exc:
                    error = ClsDataError(api.redact(f"--llm-url {api.base_url}{path}: {exc}"))
                    if exc.status not in RETRY_STATUSES:
                        raise error from None
                    retry_after = exc.retry_after
                else:
                    self.balancer.succeeded(index, items)
                    return answer
            self.balancer.failed(index, retry_after)

    def _served_name(self, wanted: str) -> str:
        """`wanted` if the server lists it; the only model it serves otherwise (vLLM names a local folder by its
        path)."""
        served = self._retrying(lambda api: api.models(), "/models", items=0)
        if wanted in served or not served:
            return wanted
        if len(served) == 1:
            return served[0]
        raise ClsDataError(
            f"--llm-url {self.base_url} serves {', '.join(served)}, not {wanted!r}: pass --backbone llm=NAME"
        )

    def complete(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        answer = self._retrying(lambda api: api.chat(self.model, messages, max_tokens), "/chat/completions")
        return answer.content or ""

    def complete_all(
        self,
        conversations: Sequence[list[dict[str, str]]],
        max_tokens: int,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> list[str]:
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
        for api in self._apis:
            api.close()
