"""Translation backends behind one small interface, with a cache and a request engine."""

from __future__ import annotations

from collections.abc import Callable

from cls_data.errors import ClsDataError
from cls_data.registry import Registry
from cls_data.translate.base import (
    BackendSettings,
    PackMismatch,
    PermanentError,
    RejectedAnswer,
    ServiceDown,
    TransientError,
    Translator,
)
from cls_data.translate.cache import DEFAULT_CACHE, TranslationCache
from cls_data.translate.engine import EngineConfig, PassStats, translate_texts

# name -> "module:function" called as `fn(settings: BackendSettings) -> Translator`; imported only for the chosen
# backend (docs/adding-a-translator.md). The CLI's --translator choices are these names.
BACKENDS: Registry[Callable[[BackendSettings], Translator]] = Registry("translator")
BACKENDS.register("google", lazy="cls_data.translate.google:from_settings")
BACKENDS.register("libretranslate", lazy="cls_data.translate.libretranslate:from_settings")
BACKENDS.register("hf", lazy="cls_data.translate.hf:from_settings")
BACKENDS.register("openai", lazy="cls_data.translate.openai_chat:from_settings")


def check_settings(timeout: float = 30.0, batch_size: int = 16, max_chars: int = 5000) -> None:
    """A setting out of range stops with one line naming the CLI option, before anything is sent."""
    if not timeout > 0:  # `not >` also refuses NaN
        raise ClsDataError(f"--timeout must be more than 0 seconds, got {timeout}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ClsDataError(f"--batch-size must be a whole number of 1 or more, got {batch_size}")
    if not isinstance(max_chars, int) or max_chars < 1:
        raise ClsDataError(f"max_chars must be a whole number of 1 or more, got {max_chars}")


def make_translator(
    name: str,
    url: str | None = None,
    model: str | None = None,
    timeout: float = 30.0,
    batch_size: int = 16,
    max_chars: int = 5000,
) -> Translator:
    """Build a backend by name (`BACKENDS`; a miss lists them); heavy imports happen only for the chosen one.
    Several comma-separated URLs: one backend per server behind a `pool.ServerPool` (spread by load, a failing
    server drained)."""
    check_settings(timeout, batch_size, max_chars)
    factory = BACKENDS[name]
    urls = [part.strip() for part in (url or "").split(",") if part.strip()]
    if len(urls) > 1:
        from cls_data.translate.pool import ServerPool

        return ServerPool([make_translator(name, one, model, timeout, batch_size, max_chars) for one in urls], urls)
    return factory(BackendSettings(url=url, model=model, timeout=timeout, batch_size=batch_size, max_chars=max_chars))


__all__ = [
    "BACKENDS",
    "BackendSettings",
    "DEFAULT_CACHE",
    "check_settings",
    "EngineConfig",
    "PackMismatch",
    "PassStats",
    "PermanentError",
    "RejectedAnswer",
    "ServiceDown",
    "TransientError",
    "TranslationCache",
    "Translator",
    "make_translator",
    "translate_texts",
]
