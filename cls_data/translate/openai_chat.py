"""An instruction LLM behind an OpenAI-compatible chat server (vLLM, SGLang, llama.cpp, Ollama, a provider).

The transport (key, requests, typed errors) is `cls_data.openai_compat`'s; what is ours is the
prompt, the packing and the answer parsing. Retries, Retry-After, the breaker and concurrency are
the engine's: each request here is sent once.

Several texts go in one request as numbered lines and must come back as exactly those numbered
lines; anything else (a wrong count, a missing number, chatter around them) is a `PackMismatch`
and the engine asks again one text at a time. A one-text answer loses the wrappers chat models
add (quotes, code fences, a "Translation:" label, a <think> block); any other extra text is a
`RejectedAnswer`.
"""

from __future__ import annotations

import re

from cls_data.errors import ClsDataError
from cls_data.openai_compat import ChatAPI, HTTPError, ServerError, TimedOut, Unreachable
from cls_data.text import language_name
from cls_data.translate.base import (
    BackendSettings,
    PackMismatch,
    PermanentError,
    RejectedAnswer,
    ServiceUnreachable,
    TransientError,
)

CHATTER = "chatter around the answer"
CUT = "answer cut off at max_tokens"
_TARGET_NAMES = {
    "zh": "Simplified Chinese",
    "zh-cn": "Simplified Chinese",
    "zh-hans": "Simplified Chinese",
    "zh-tw": "Traditional Chinese",
    "zh-hant": "Traditional Chinese",
}
MAX_TOKENS = 4096  # a bound on a runaway answer that still fits the context of the small models people serve
PACK_REFUSED = "packed request refused (HTTP 400)"
_NUMBERED = re.compile(r"^\s*(\d+)\s*[.)：:]\s?(.*)$")
_FENCE = re.compile(r"^```[\w-]*\s*\n?(.*?)\n?```$", re.DOTALL)
_THINK = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)
# "Here is the translation: ...", "Sure! The translation is: ...": a preamble on the answer's own line.
_PREAMBLE = re.compile(r"^\s*(?:here|sure|okay|ok|certainly|below|of course)\b[^:：\n]{0,80}[:：]", re.IGNORECASE)
_QUOTES = [('"', '"'), ("“", "”"), ("「", "」"), ("『", "』"), ("'", "'"), ("«", "»")]
# "Translation:", "**Chinese translation:**", "Translated text:", "译文：", "翻译：", once, at the start.
_LABEL = re.compile(
    r"^\s*\**\s*(?:(?:(?:simplified|traditional)\s+)?(?:chinese|vietnamese|english)\s+)?"
    r"(?:translation|translated text)\s*\**\s*[:：]\s*\**\s*|^\s*(?:译文|翻译|中文译文|bản dịch)\s*[:：]\s*",
    re.IGNORECASE,
)

SYSTEM = (
    "You are a professional translator. Translate the user's {src} text into {tgt}. "
    "Reply with the translation only: no explanation, no notes, no quotation marks, no original text."
)
SYSTEM_PACKED = (
    "You are a professional translator. The user sends {n} numbered lines of {src} text. Translate "
    "each line into {tgt}. Reply with exactly {n} lines, numbered 1 to {n} in the same order as "
    '"1. <translation>", and nothing else: no explanation, no notes, no original text.'
)


class OpenAITranslator:
    name = "openai"

    def __init__(
        self,
        url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 30.0,
        max_chars: int = 5000,
        max_items: int = 16,
    ):
        self._api = ChatAPI(url, "--translator-url", timeout=timeout, api_key=api_key)
        self.url = self._api.base_url
        self.model = model  # the cache key: the same model served elsewhere reuses its translations
        self.max_chars, self.max_items = max_chars, max_items

    def __repr__(self) -> str:  # never the key
        return f"OpenAITranslator({self.url!r}, model={self.model!r})"

    def codes(self, src: str, tgt: str) -> tuple[str, str]:
        """Our codes (the prompt names the languages); the server and --model are checked on /models."""
        for code in (src, tgt):
            if language_name(code) == code:
                raise ClsDataError(f"openai backend: no language name for {code!r}; use a code such as vi, zh, en")
        self._api.require_model(self.model, "the OpenAI-compatible server")
        return src, tgt

    def close(self) -> None:
        self._api.close()

    def messages(self, texts: list[str], src: str, tgt: str) -> list[dict[str, str]]:
        names = {"src": language_name(src), "tgt": _TARGET_NAMES.get(tgt.lower(), language_name(tgt))}
        if len(texts) == 1:
            return [{"role": "system", "content": SYSTEM.format(**names)}, {"role": "user", "content": texts[0]}]
        numbered = "\n".join(f"{i}. {text}" for i, text in enumerate(texts, start=1))
        return [
            {"role": "system", "content": SYSTEM_PACKED.format(n=len(texts), **names)},
            {"role": "user", "content": numbered},
        ]

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        # room for a translation several times longer in tokens than the source in characters
        max_tokens = min(MAX_TOKENS, 256 + 3 * sum(map(len, texts)))
        try:
            answer = self._api.chat(self.model, self.messages(texts, src, tgt), max_tokens)
        except Unreachable as exc:
            raise ServiceUnreachable(f"cannot reach the OpenAI-compatible server at {self.url}: {exc}") from None
        except TimedOut as exc:
            raise TransientError(f"timeout: {exc}") from None
        except HTTPError as exc:
            if exc.status == 429 or exc.status >= 500:
                raise TransientError(str(exc), exc.retry_after) from None
            if exc.status == 400 and len(texts) > 1:  # most often prompt + max_tokens over the context: ask singly
                raise RejectedAnswer(PACK_REFUSED) from None
            raise PermanentError(f"{exc}{wrong_path_hint(self.url, exc.status)}") from None
        except ServerError as exc:  # a dropped connection, a garbled answer
            raise TransientError(str(exc)) from None
        if answer.content is None:
            raise TransientError("malformed answer: no message content")
        if answer.finish_reason == "length":
            raise RejectedAnswer(CUT)
        if len(texts) == 1:
            return [clean_single(answer.content, texts[0])]
        return parse_numbered(answer.content, len(texts), texts)


def wrong_path_hint(url: str, status: int) -> str:
    """What a 404 from an OpenAI-compatible server most often means: the URL lacks the API root (/v1)."""
    if status != 404 or url.rstrip("/").endswith("/v1"):
        return ""
    return f"; the server has no such endpoint: does --translator-url need /v1 ({url.rstrip('/')}/v1)?"


def _unfence(text: str) -> str:
    """`text` without a leading <think> block and a code fence around the rest."""
    text = _THINK.sub("", text).strip()
    fenced = _FENCE.match(text)
    return fenced.group(1).strip() if fenced else text


def _quoted(text: str) -> str | None:
    """`text` without one pair of matching quotes around all of it, or None when it is not so wrapped
    (“a” and “b” is not: its first quote closes before the end; ““a”” is, once)."""
    for left, right in _QUOTES:
        if len(text) < 2 or text[0] != left or text[-1] != right:
            continue
        inner = text[1:-1]
        if left == right:  # "..." cannot nest: any quote inside means two quotations
            return inner.strip() if left not in inner else None
        depth = 0
        for ch in inner:
            depth += (ch == left) - (ch == right)
            if depth < 0:  # the opening quote closed before the end
                return None
        return inner.strip() if depth == 0 else None
    return None


def quote_depth(text: str) -> int:
    """How many pairs of quotes wrap all of `text`: 0 for 他说“好”, 1 for “好”, 2 for "“好”"."""
    depth, inner = 0, _quoted(text.strip())
    while inner is not None:
        depth, inner = depth + 1, _quoted(inner)
    return depth


def _unwrap(text: str, source: str | None = None) -> str:
    """The known wrappers, outermost first: a <think> block, a code fence, a label, matching quotes.

    Quotes are the model's only beyond those the source has: a quoted source (“Chúng tôi...”) has a
    quoted translation (“我们...”, 「我们...」), and a model that wraps it again ("“我们...”") loses one
    pair, not the translation's own. Without the source, one pair is removed.
    """
    text = _unfence(text)
    label = _LABEL.match(text)
    if label and text[label.end() :].strip():
        text = text[label.end() :].strip()
    keep = quote_depth(source) if source is not None else None
    while (inner := _quoted(text)) is not None and (keep is None or quote_depth(text) > keep):
        text = inner
        if keep is None:
            break
    return text


def clean_single(content: str, source: str | None = None) -> str:
    """A one-text answer with the known wrappers removed (`_unwrap`: never quotes the `source` has too); any other
    text around it is chatter.

    Texts are normalised to one line before they are sent, so a second line is never a translation.
    """
    text = _unwrap(content, source)
    if len([line for line in text.splitlines() if line.strip()]) > 1 or _PREAMBLE.match(text):
        raise RejectedAnswer(CHATTER)
    return text


def parse_numbered(content: str, n: int, sources: list[str] | None = None) -> list[str]:
    """Exactly lines "1. ..." to "n. ...", in order; blank lines may sit between them, nothing else.
    Each line is unwrapped as `clean_single` does, against its source when given."""
    lines = [line for line in _unfence(content).splitlines() if line.strip()]
    if len(lines) != n:
        raise PackMismatch(f"sent {n} numbered lines, got {len(lines)} lines back")
    out = []
    for expected, line in enumerate(lines, start=1):
        match = _NUMBERED.match(line)
        if not match or int(match.group(1)) != expected:
            raise PackMismatch(f"line {expected} of the answer is not numbered {expected}")
        out.append(_unwrap(match.group(2), sources[expected - 1] if sources else None))
    return out


def from_settings(settings: BackendSettings) -> OpenAITranslator:
    """The `openai` backend (`translate.BACKENDS`): the model --model served at --translator-url."""
    if not settings.url or not settings.model:
        raise ClsDataError(
            "the openai backend needs --translator-url (e.g. http://localhost:8000/v1 for vLLM,"
            " http://localhost:11434/v1 for Ollama) and --model (the served model's name)"
        )
    return OpenAITranslator(
        settings.url,
        settings.model,
        timeout=settings.timeout,
        max_chars=settings.max_chars,
        max_items=settings.batch_size,
    )
