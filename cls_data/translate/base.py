"""The `Translator` protocol every backend implements, the errors it raises, language codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from cls_data.errors import ClsDataError
from cls_data.text import base_language


class TransientError(Exception):
    """A failure worth retrying: 429, 5xx, a timeout, a dropped connection, a garbled answer."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnreachable(TransientError):
    """The service cannot be reached at all (its name does not resolve, the connection is refused).

    Before any request of a run has succeeded this stops the run at once with one line (no
    network, a wrong --translator-url); after that it is retried like any transient failure.
    """


class ServiceDown(ClsDataError):
    """No request of a run has succeeded for the configured time: the run stops (circuit breaker)."""


class PackMismatch(Exception):
    """A packed request came back with a different number of texts than were sent."""


class RejectedAnswer(Exception):
    """The service answered, but not with a translation the backend can use (a chat model's
    chatter around it, an answer cut off): rejected with `reason`, counted, never cached, and asked
    again one text at a time, as an answer that fails validation is."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class PermanentError(Exception):
    """A failure that retrying will not fix (e.g. a text over the service's length limit)."""


@runtime_checkable
class Translator(Protocol):
    """One backend. `translate` sends ONE request for all `texts` and returns one string each.

    It raises `TransientError` (retry), `PackMismatch` (send the texts one by one),
    `RejectedAnswer` (reject, count, ask again one by one) or `PermanentError`. The engine owns packing, concurrency,
    rate limits, retries and the cache.
    """

    name: str  # backend name, part of the cache key
    model: str  # model or service identity, part of the cache key
    max_chars: int  # most characters one request may carry (packed texts plus separators)
    max_items: int  # most texts one request may carry

    def codes(self, src: str, tgt: str) -> tuple[str, str]:
        """Our language codes ("vi", "zh") in the backend's form; unknown ones raise ClsDataError."""
        ...

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]: ...

    def close(self) -> None:
        """Release connections or models; the filter calls it once it is done with the backend."""
        ...


def map_code(codes: dict[str, str], lang: str, backend: str) -> str:
    """The backend's code for a language given as "vi", "zh" or already in the backend's form."""
    if lang in codes.values():
        return lang
    try:
        return codes[base_language(lang)]
    except KeyError:
        known = ", ".join(sorted(codes))
        raise ClsDataError(f"language {lang!r} is not supported by the {backend} backend; known: {known}") from None


@dataclass(frozen=True)
class BackendSettings:
    """What `cls-data filter` passes to a backend's factory (`translate.BACKENDS`): `fn(settings) -> Translator`."""

    url: str | None = None  # --translator-url
    model: str | None = None  # --model
    timeout: float = 30.0  # seconds per request
    batch_size: int = 16  # texts per request (or per forward pass, for a local model)
    max_chars: int = 5000  # characters per request
