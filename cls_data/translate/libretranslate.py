"""A self-hosted LibreTranslate server over httpx, batches in the list form of `q`."""

from __future__ import annotations

import os

import httpx

from cls_data.errors import ClsDataError
from cls_data.retry_after import parse_retry_after
from cls_data.text import base_language
from cls_data.translate.base import BackendSettings, PackMismatch, PermanentError, TransientError

API_KEY_ENV = "LIBRETRANSLATE_API_KEY"


class LibreTranslateTranslator:
    name = "libretranslate"

    def __init__(
        self, url: str, api_key: str | None = None, timeout: float = 30.0, max_chars: int = 5000, max_items: int = 64
    ):
        self.url = url.rstrip("/")
        self.model = self.url  # different servers may run different models
        self.api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        self.max_chars, self.max_items = max_chars, max_items
        self._client = httpx.Client(base_url=self.url, timeout=timeout)

    def codes(self, src: str, tgt: str) -> tuple[str, str]:
        """Resolve our codes against the server's /languages; unknown pairs stop with one line."""
        try:
            response = self._client.get("/languages")
        except httpx.TransportError as exc:
            raise ClsDataError(f"cannot reach LibreTranslate at {self.url}: {exc}") from None
        try:
            languages = response.json() if response.status_code == 200 else None
            available = {item["code"]: set(item.get("targets") or []) for item in languages}
        except (ValueError, TypeError, KeyError):
            return src, tgt  # the server will not say; the first request will

        def resolve(code: str) -> str:
            if code in available:
                return code
            matches = sorted(c for c in available if base_language(c) == base_language(code))
            if not matches:
                raise ClsDataError(
                    f"LibreTranslate at {self.url} does not know language {code!r};"
                    f" it offers: {', '.join(sorted(available))}"
                )
            return matches[0]

        src, tgt = resolve(src), resolve(tgt)
        if available[src] and tgt not in available[src]:
            raise ClsDataError(f"LibreTranslate at {self.url} cannot translate {src} -> {tgt}")
        return src, tgt

    def close(self) -> None:
        self._client.close()

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        body: dict[str, object] = {"q": texts, "source": src, "target": tgt, "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        try:
            response = self._client.post("/translate", json=body)
        except httpx.TimeoutException as exc:
            raise TransientError(f"timeout: {exc}") from None
        except httpx.TransportError as exc:
            raise TransientError(f"{type(exc).__name__}: {exc}") from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise TransientError(f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After")))
        if status in (401, 403):
            raise ClsDataError(
                f"LibreTranslate at {self.url} refused the request (HTTP {status}); set the API key in ${API_KEY_ENV}"
            )
        if status >= 400:
            raise PermanentError(f"HTTP {status}: {response.text[:200]}")
        try:
            out = response.json()["translatedText"]
        except (ValueError, KeyError, TypeError):
            raise TransientError(f"malformed answer: {response.text[:80]!r}") from None
        if isinstance(out, str):
            out = [out]
        if not isinstance(out, list) or len(out) != len(texts) or not all(isinstance(s, str) for s in out):
            raise PackMismatch(f"sent {len(texts)} texts, got {len(out) if isinstance(out, list) else 1} back")
        return [s.strip() for s in out]


def from_settings(settings: BackendSettings) -> LibreTranslateTranslator:
    """The `libretranslate` backend (`translate.BACKENDS`): a server at --translator-url."""
    if not settings.url:
        raise ClsDataError("the libretranslate backend needs --translator-url (e.g. http://localhost:5000)")
    return LibreTranslateTranslator(
        settings.url, timeout=settings.timeout, max_chars=settings.max_chars, max_items=settings.batch_size
    )
