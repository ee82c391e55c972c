"""Translation backends behind one small interface, with a cache and a request engine."""

from __future__ import annotations

from cls_data.errors import ClsDataError
from cls_data.translate.base import (
    PackMismatch, PermanentError, RejectedAnswer, ServiceDown, TransientError, Translator,
)
from cls_data.translate.cache import DEFAULT_CACHE, TranslationCache
from cls_data.translate.engine import EngineConfig, PassStats, translate_texts

BACKENDS = ("google", "libretranslate", "hf", "openai")


def check_settings(timeout: float = 30.0, batch_size: int = 16, max_chars: int = 5000) -> None:
    """A setting out of range stops with one line naming the CLI option, before anything is sent."""
    if not timeout > 0:  # `not >` also refuses NaN
        raise ClsDataError(f"--timeout must be more than 0 seconds, got {timeout}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ClsDataError(f"--batch-size must be a whole number of 1 or more, got {batch_size}")
    if not isinstance(max_chars, int) or max_chars < 1:
        raise ClsDataError(f"max_chars must be a whole number of 1 or more, got {max_chars}")


def make_translator(name: str, url: str | None = None, model: str | None = None, timeout: float = 30.0,
                    batch_size: int = 16, max_chars: int = 5000) -> Translator:
    """Build a backend by name; heavy imports happen only for the chosen one."""
    check_settings(timeout, batch_size, max_chars)
    if name == "google":
        from cls_data.translate.google import GoogleTranslator

        return GoogleTranslator(base_url=url, timeout=timeout, max_chars=max_chars)
    if name == "libretranslate":
        from cls_data.translate.libretranslate import LibreTranslateTranslator

        if not url:
            raise ClsDataError("the libretranslate backend needs --translator-url (e.g. http://localhost:5000)")
        return LibreTranslateTranslator(url, timeout=timeout, max_chars=max_chars, max_items=batch_size)
    if name == "hf":
        from cls_data.translate.hf import HFTranslator

        if not model:
            raise ClsDataError("the hf backend needs --model (e.g. facebook/nllb-200-distilled-600M or a local path)")
        return HFTranslator(model, batch_size=batch_size)
    if name == "openai":
        from cls_data.translate.openai_chat import OpenAITranslator

        if not url or not model:
            raise ClsDataError("the openai backend needs --translator-url (e.g. http://localhost:8000/v1 for vLLM,"
                               " http://localhost:11434/v1 for Ollama) and --model (the served model's name)")
        return OpenAITranslator(url, model, timeout=timeout, max_chars=max_chars, max_items=batch_size)
    raise ClsDataError(f"unknown translator {name!r}; choose one of: {', '.join(BACKENDS)}")


__all__ = [
    "BACKENDS", "DEFAULT_CACHE", "check_settings", "EngineConfig", "PackMismatch", "PassStats", "PermanentError", "RejectedAnswer", "ServiceDown",
    "TransientError", "TranslationCache", "Translator", "make_translator", "translate_texts",
]
