"""`llm-prompt` through an OpenAI-compatible server (vLLM, SGLang, llama.cpp, Ollama, a provider): chat completions over httpx.

The key comes from `OPENAI_API_KEY` and goes only into the Authorization header of requests to
`--llm-url` itself (redirects are not followed, so it never reaches another host); it is never
part of an error line, a log, a run folder or a card. 429/500/502/503/504 are retried, after
Retry-After when the server sends one; other errors stop the run with the server's own message.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cls_data.errors import ClsDataError
from cls_data.retry_after import parse_retry_after

KEY_ENV = "OPENAI_API_KEY"
RETRY_STATUSES = (429, 500, 502, 503, 504)


class ChatClient:
    """Blocking chat completions against one OpenAI-compatible `base_url` (".../v1"), greedy, one answer each."""

    def __init__(self, base_url: str, model: str, *, timeout: float = 300.0, retries: int = 5, concurrency: int = 16,
                 backoff: float = 1.0) -> None:
        import httpx

        if not base_url.startswith(("http://", "https://")):
            raise ClsDataError(f"--llm-url {base_url!r}: expected http(s)://HOST:PORT/v1")
        self.base_url = base_url.rstrip("/")
        key = os.environ.get(KEY_ENV)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout, follow_redirects=False)
        self._redact = (lambda text: text.replace(key, "***")) if key else (lambda text: text)
        self.retries, self.concurrency, self.backoff = retries, concurrency, backoff
        self.model = self._served_name(model)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        for attempt in range(self.retries + 1):
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                if attempt == self.retries:
                    raise ClsDataError(self._redact(f"--llm-url {self.base_url}: {type(exc).__name__} ({exc})")) from None
                time.sleep(self.backoff * 2 ** attempt)
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                wait = parse_retry_after(response.headers.get("retry-after"))
                time.sleep(min(wait if wait is not None else self.backoff * 2 ** attempt, 60.0))
                continue
            if response.status_code != 200:
                raise ClsDataError(self._redact(f"--llm-url {self.base_url}{path}: HTTP {response.status_code}: {_error_message(response)}"))
            try:
                return response.json()
            except ValueError:
                raise ClsDataError(f"--llm-url {self.base_url}{path}: the answer is not JSON") from None
        raise AssertionError("unreachable")

    def _served_name(self, wanted: str) -> str:
        """`wanted` if the server lists it; the only model it serves otherwise (vLLM names a local folder by its path)."""
        served = [item.get("id") for item in self._request("GET", "/models").get("data") or [] if isinstance(item, dict)]
        if wanted in served or not served:
            return wanted
        if len(served) == 1:
            return served[0]
        raise ClsDataError(f"--llm-url {self.base_url} serves {', '.join(map(str, served))}, not {wanted!r}: pass --backbone llm=NAME")

    def complete(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        body = {"model": self.model, "messages": messages, "temperature": 0.0, "max_tokens": max_tokens}
        data = self._request("POST", "/chat/completions", json=body)
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise ClsDataError(f"--llm-url {self.base_url}/chat/completions: no choices[0].message.content in the answer") from None
        return content or ""

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
        self._http.close()


def _error_message(response: Any) -> str:
    try:
        body = response.json()
        message = body.get("error", {}).get("message") if isinstance(body.get("error"), dict) else body.get("error") or body.get("message")
    except (ValueError, AttributeError):
        message = None
    text = str(message or response.text or response.reason_phrase)
    return (text.splitlines() or [""])[0][:300]
