"""Google Translate's web endpoint through deep-translator (the paper's translator)."""

from __future__ import annotations

import threading

from cls_data.errors import ClsDataError
from cls_data.translate.base import BackendSettings, PackMismatch, PermanentError, ServiceUnreachable, TransientError

DEFAULT_URL = "https://translate.google.com/m"
# Google's codes differ from ours only for Chinese; deep-translator validates the rest.
_CODES = {"zh": "zh-CN", "zh-cn": "zh-CN", "zh-hans": "zh-CN", "zh-tw": "zh-TW", "zh-hant": "zh-TW"}


class GoogleTranslator:
    """Packs texts one per line (up to 5,000 characters, deep-translator's limit) and splits back.

    deep-translator sends its request with no timeout and drops the response headers, so the
    timeout is enforced here by waiting on a daemon thread, and a 429's Retry-After cannot be
    read: the engine's exponential backoff applies instead.
    """

    name = "google"
    model = "web"
    max_items = 1_000

    def __init__(self, base_url: str | None = None, timeout: float = 30.0, max_chars: int = 5000):
        self.base_url = base_url or DEFAULT_URL
        self.timeout = timeout
        self.max_chars = min(max_chars, 5000)

    def codes(self, src: str, tgt: str) -> tuple[str, str]:
        """Our codes in Google's form; an unsupported language stops with one line."""
        from deep_translator import GoogleTranslator as DeepGoogle
        from deep_translator.exceptions import LanguageNotSupportedException

        src, tgt = (_CODES.get(code.lower(), code) for code in (src, tgt))
        try:
            DeepGoogle(source=src, target=tgt)
        except LanguageNotSupportedException as exc:
            raise ClsDataError(f"google backend: {exc.message if hasattr(exc, 'message') else exc}") from None
        return src, tgt

    def _request(self, text: str, src: str, tgt: str) -> str:
        import requests
        from deep_translator import GoogleTranslator as DeepGoogle
        from deep_translator.exceptions import (
            NotValidLength,
            NotValidPayload,
            RequestError,
            TooManyRequests,
            TranslationNotFound,
        )

        box: dict[str, object] = {}

        def call() -> None:
            try:
                translator = DeepGoogle(source=src, target=tgt)  # not thread-safe: one per call
                translator._base_url = self.base_url  # the only knob deep-translator lacks
                box["out"] = translator.translate(text)
            except BaseException as exc:  # handed to the waiting thread below
                box["error"] = exc

        thread = threading.Thread(target=call, daemon=True)
        thread.start()
        thread.join(self.timeout)
        if thread.is_alive():
            raise TransientError(f"no answer within {self.timeout:g} s")
        error = box.get("error")
        if isinstance(error, TooManyRequests):
            raise TransientError("HTTP 429 too many requests")
        if isinstance(error, requests.ConnectionError) and _connection_never_made(error):
            raise ServiceUnreachable(f"cannot reach Google Translate at {self.base_url}: {_reason(error)}")
        if isinstance(error, (RequestError, TranslationNotFound, requests.RequestException)):
            raise TransientError(f"{type(error).__name__}: {error}".strip()[:200])
        if isinstance(error, (NotValidLength, NotValidPayload)):
            raise PermanentError(str(error)[:200])
        if error is not None:
            raise error
        out = box.get("out")
        # deep-translator returns None when the answer repeats the input (names, numbers).
        return text.strip() if out is None else str(out)

    def close(self) -> None:
        """Nothing to release: deep-translator opens a connection per request."""

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        answer = self._request("\n".join(texts), src, tgt)
        if len(texts) == 1:
            return [answer.strip()]
        parts = [part.strip() for part in answer.split("\n")]
        if len(parts) != len(texts) or not all(parts):
            raise PackMismatch(f"sent {len(texts)} lines, got {len(parts)} back")
        return parts


def _reason(error: Exception) -> str:
    """The innermost cause of a requests error (urllib3 wraps it in MaxRetryError)."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return str(reason or error)[:200]


def _connection_never_made(error: Exception) -> bool:
    """True when no connection was made at all: a name that does not resolve, a refused port."""
    from urllib3.exceptions import NewConnectionError  # NameResolutionError subclasses it

    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, NewConnectionError)


def from_settings(settings: BackendSettings) -> GoogleTranslator:
    """The `google` backend (`translate.BACKENDS`): the public web endpoint, or --translator-url."""
    return GoogleTranslator(base_url=settings.url, timeout=settings.timeout, max_chars=settings.max_chars)
