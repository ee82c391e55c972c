"""The OpenAI-compatible chat-completions transport (vLLM, SGLang, llama.cpp, Ollama, a provider) over httpx.

The filter's `openai` translator and the benchmark's `llm-prompt` client both speak through
`ChatAPI`; each keeps its own prompts, answer parsing and retry policy. Plain httpx, not the
`openai` client: that client adds retries of its own (hiding 429s from the callers' rate limits),
a dependency and ~0.5 s of import for one POST.

The key comes from `OPENAI_API_KEY` and goes only into the Authorization header of requests to the
configured base URL's host (redirects are not followed), and never into an error: every message
raised here has it replaced by "***", since servers quote a wrong key back ("Incorrect API key
provided: sk-..."). A refused key (401/403) or a redirect is a `ClsDataError` the user must fix;
everything else is a `ServerError` for the caller to retry, count or report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import httpx

from cls_data.errors import ClsDataError
from cls_data.retry_after import parse_retry_after

API_KEY_ENV = "OPENAI_API_KEY"


class ServerError(Exception):
    """A request that got no usable answer; `str()` is one line without the key.

    `status` is the HTTP status (None when there was no answer) and `retry_after` the seconds the
    server asked for in its Retry-After header (None when it did not)."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


class NoAnswer(ServerError):
    """No HTTP answer at all: a dropped connection, a broken response."""


class Unreachable(NoAnswer):
    """The connection could not be made (the name does not resolve, the connection is refused)."""


class TimedOut(NoAnswer):
    """No answer within the timeout."""


class HTTPError(ServerError):
    """An error status other than 401/403 (a 429, a 5xx, a 400 for a prompt over the context...)."""


class Malformed(ServerError):
    """A success status whose body is not the JSON the API promises (cut off, no message content)."""


@dataclass(frozen=True)
class Completion:
    content: str | None  # None: the server sent `"content": null`
    finish_reason: str | None  # "length": cut off at max_tokens


def normalise_url(url: str, option: str) -> str:
    """`url` without its trailing slash; a URL without its scheme is one line naming `option`."""
    if not url.startswith(("http://", "https://")):
        raise ClsDataError(f"{option} {url!r}: expected http(s)://HOST:PORT/v1")
    return url.rstrip("/")


def chat_body(model: str, messages: list[dict[str, str]], max_tokens: int) -> dict[str, Any]:
    """One greedy answer (temperature 0) of at most `max_tokens` tokens: what both callers ask for."""
    return {"model": model, "messages": messages, "temperature": 0.0, "max_tokens": max_tokens}


def completion(data: Any) -> Completion:
    """`choices[0]` of a chat-completions answer."""
    try:
        choice = data["choices"][0]
        content = choice["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise Malformed("malformed answer: no choices[0].message.content") from None
    if content is not None and not isinstance(content, str):
        raise Malformed("malformed answer: the message content is not text")
    return Completion(content, choice.get("finish_reason"))


def model_ids(data: Any) -> list[str]:
    """The model names a /models answer lists; none when it lists none in the usual shape."""
    items = data.get("data") if isinstance(data, dict) else None
    return [item["id"] for item in items or [] if isinstance(item, dict) and isinstance(item.get("id"), str)]


class ChatAPI:
    """One OpenAI-compatible server at `url` (".../v1"); `option` is where the user gave it (for errors)."""

    def __init__(self, url: str, option: str, *, timeout: float, api_key: str | None = None):
        self.base_url, self.option = normalise_url(url, option), option
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        self._key = key or None
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        # base_url pins every request to that host; with redirects not followed the key goes nowhere else.
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, headers=headers, follow_redirects=False)

    def __repr__(self) -> str:  # never the key
        return f"ChatAPI({self.base_url!r})"

    def redact(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text

    def request(self, method: str, path: str, json: Any = None) -> Any:
        """One request to `base_url + path`; the answer's JSON, or a typed error."""
        try:
            response = self._http.request(method, path, json=json)
        except httpx.TimeoutException as exc:
            raise TimedOut(self._describe(exc)) from None
        except httpx.ConnectError as exc:
            raise Unreachable(self._describe(exc)) from None
        except httpx.TransportError as exc:
            raise NoAnswer(self._describe(exc)) from None
        self._check_status(response)
        try:
            return response.json()
        except ValueError:
            raise Malformed(
                self.redact(f"malformed answer (not JSON): {response.text[:80]!r}"), response.status_code
            ) from None

    def models(self) -> list[str]:
        return model_ids(self.request("GET", "/models"))

    def require_model(self, model: str, server: str) -> None:
        """One line now rather than every request failing later: `server` (e.g. "the judge") is unreachable, or it
        lists its models and `model` is not among them."""
        try:
            served = self.models()
        except NoAnswer as exc:
            raise ClsDataError(f"cannot reach {server} at {self.base_url}: {exc}") from None
        except (HTTPError, Malformed):
            return  # the server does not list its models; the first request will tell
        if served and model not in served:
            raise ClsDataError(
                f"{server} at {self.base_url} does not serve model {model!r}; it serves: {', '.join(served[:20])}"
            )

    def chat(self, model: str, messages: list[dict[str, str]], max_tokens: int) -> Completion:
        return completion(self.request("POST", "/chat/completions", json=chat_body(model, messages, max_tokens)))

    def close(self) -> None:
        self._http.close()

    def _describe(self, exc: Exception) -> str:
        return self.redact(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)

    def _check_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if 300 <= status < 400:
            where = self.redact(response.headers.get("Location", "elsewhere"))
            raise ClsDataError(
                f"the server at {self.base_url} redirects to {where} (HTTP {status}); give that as"
                f" {self.option} (redirects are not followed, so the key goes to one host only)"
            )
        if status in (401, 403):
            hint = f"check the key in ${API_KEY_ENV}" if self._key else f"set the key in ${API_KEY_ENV}"
            raise ClsDataError(f"the server at {self.base_url} refused the request (HTTP {status}): {hint}")
        if status >= 400:
            raise HTTPError(
                self.redact(f"HTTP {status}: {_server_message(response)}"),
                status,
                parse_retry_after(response.headers.get("Retry-After")),
            )


def _server_message(response: httpx.Response) -> str:
    """The `{"error": {"message": ...}}` most servers send, or the start of the body; one line."""
    try:
        body = response.json()
        error = body.get("error")
        message = error.get("message") if isinstance(error, dict) else error or body.get("message")
    except (ValueError, AttributeError):
        message = None
    text = str(message or response.text or response.reason_phrase).strip()
    return (text.splitlines() or [""])[0][:300]
