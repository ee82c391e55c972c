"""A loopback OpenAI-compatible chat server (`/v1/models`, `/v1/chat/completions`) that translates like
`fake_mt` and misbehaves like a chat model behind vLLM or Ollama, on demand; the filter's and the
benchmark's tests both talk to it.

An honest answer translates every line of the user message with `fake_mt.fake_line` (the
direction is read from the text: fake Han characters go back, anything else goes forward),
keeping the "N. " numbers of a packed request; `answer` (messages -> content) replaces that, as
the `llm-prompt` tests' summariser does.

`faults` (per chat request, in order): "chatter" (a preamble and a closing remark around the
answer), "wrongcount" (the last numbered line dropped), "renumber" (lines numbered from 0),
"merge" (two numbered lines merged into one), "quotes" / "fence" / "label" (the answer wrapped in
quotes, a code fence or behind "Translation:"), "wronglang" (one line, or the answer, in English),
"cut" (finish_reason "length"), "429" (with `retry_after`), "500", "503", "badjson" (a body cut
off mid-JSON), "slow" (stalls `slow_seconds`). `api_key`: answer 401 without "Bearer <key>";
`context_chars`: a request whose texts are longer is refused with vLLM's 400; `redirect_to`
("http://HOST:PORT"): every request is answered 307 to there plus its path. An unknown path is a
404 whose message quotes the path back.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

from tests.support.fake_mt import HAN, LocalServer, fake_line

MODEL = "qwen2.5-7b-instruct"
_NUMBERED = re.compile(r"^(\d+)\. (.*)$")


def honest_line(text: str) -> str:
    """What the fake translator answers for one text, whichever direction."""
    back = any(HAN <= ord(ch) < HAN + 0x5000 for ch in text)
    return fake_line(text, "zh" if back else "vi", "vi" if back else "zh")


def english(text: str) -> str:
    return "The ministry said on Tuesday that " + str(len(text)) + " projects were approved"


class FakeChat(LocalServer):
    """Start with `with FakeChat() as server:`; `server.url` ends in /v1, like a --translator-url."""

    def __init__(
        self,
        delay: float = 0.0,
        retry_after: str = "0",
        slow_seconds: float = 2.0,
        models: tuple[str, ...] = (MODEL,),
        delay_per_char: float = 0.0,
        context_chars: int | None = None,
        answer: Callable[[list[dict]], str] | None = None,
    ):
        self.delay, self.retry_after, self.slow_seconds, self.models = delay, retry_after, slow_seconds, models
        self.answer = answer  # the honest content for a request's messages; None: translate its lines
        self.delay_per_char = delay_per_char  # seconds per character of the answer: decoding time
        self.context_chars = context_chars  # a request whose texts are longer gets vLLM's 400
        self.faults: deque[str] = deque()
        self.requests: list[dict] = []  # every chat request body, in order
        self.headers: list[dict] = []  # the headers of every request, /models included
        self.statuses: list[int] = []
        self.api_key: str | None = None
        self.redirect_to: str | None = None
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle's algorithm on, every answer waited
            # ~40 ms for the client's delayed ACK, a cost no real server adds to a request.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _send(self, status: int, body: str, headers: dict | None = None, length: int | None = None):
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data) if length is None else length))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(data)
                    if length is not None:  # promised more than sent: the client sees a cut-off body
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass
                with server._lock:
                    server.statuses.append(status)

            def _admitted(self) -> bool:
                with server._lock:
                    server.headers.append(dict(self.headers))
                if server.redirect_to:
                    self._send(307, "{}", {"Location": server.redirect_to + self.path})
                    return False
                if server.api_key and self.headers.get("Authorization") != f"Bearer {server.api_key}":
                    self._send(
                        401,
                        json.dumps(
                            {
                                "error": {
                                    "message": "Incorrect API key provided: "
                                    f"{self.headers.get('Authorization', '')[7:]}"
                                }
                            }
                        ),
                    )
                    return False
                return True

            def do_GET(self):  # noqa: N802
                if not self._admitted():
                    return
                if self.path.rstrip("/") != "/v1/models":
                    return self._send(404, json.dumps({"error": {"message": f"no such route {self.path}"}}))
                self._send(
                    200, json.dumps({"object": "list", "data": [{"id": m, "object": "model"} for m in server.models]})
                )

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                if not self._admitted():
                    return
                if self.path != "/v1/chat/completions":
                    return self._send(404, json.dumps({"error": {"message": f"no such route {self.path}"}}))
                server._answer(self, body)

        self._serve(Handler, "/v1")

    def texts_requested(self) -> list[list[str]]:
        """The texts of every chat request (numbers stripped from a packed one)."""
        return [self._texts(body)[0] for body in self.requests]

    @staticmethod
    def _texts(body: dict) -> tuple[list[str], bool]:
        user = body["messages"][-1]["content"]
        lines = user.split("\n")
        numbered = len(lines) > 1 or "numbered lines" in body["messages"][0]["content"]
        if not numbered:
            return [user], False
        return [_NUMBERED.match(line).group(2) for line in lines], True

    def _answer(self, handler, body: dict) -> None:
        with self._lock:
            self.requests.append(body)
            fault = self.faults.popleft() if self.faults else None
        if self.delay or self.delay_per_char:
            texts, _ = self._texts(body)
            time.sleep(self.delay + self.delay_per_char * sum(map(len, texts)))
        if body.get("model") not in self.models:
            return handler._send(
                404, json.dumps({"error": {"message": f"The model `{body.get('model')}` does not exist."}})
            )
        if self.context_chars is not None and sum(map(len, self._texts(body)[0])) > self.context_chars:
            message = (
                f"This model's maximum context length is {self.context_chars} tokens. However, you requested "
                f"{body.get('max_tokens')} tokens in the completion. Please reduce the length."
            )
            return handler._send(400, json.dumps({"error": {"message": message, "type": "BadRequestError"}}))
        if fault == "429":
            return handler._send(
                429, json.dumps({"error": {"message": "Rate limit reached"}}), {"Retry-After": self.retry_after}
            )
        if fault in ("500", "503"):
            return handler._send(int(fault), json.dumps({"error": {"message": "The server had an error"}}))
        if fault == "slow":
            time.sleep(self.slow_seconds)
        content = self.answer(body["messages"]) if self.answer else self._translation(body, fault)
        answer = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "length" if fault == "cut" else "stop",
                }
            ],
        }
        text = json.dumps(answer, ensure_ascii=False)
        if fault == "badjson":
            cut = text[: len(text) // 2]
            return handler._send(200, cut)
        handler._send(200, text)

    def _translation(self, body: dict, fault: str | None) -> str:
        """Every line of the user message translated, with the line-level `fault` applied."""
        texts, numbered = self._texts(body)
        lines = [honest_line(t) for t in texts]
        if fault == "wronglang":
            lines[-1] = english(texts[-1])
        if numbered:
            lines = [f"{i}. {line}" for i, line in enumerate(lines, start=1)]
            if fault == "wrongcount":
                lines = lines[:-1]
            elif fault == "renumber":
                lines = [f"{i}. {line.split('. ', 1)[1]}" for i, line in enumerate(lines)]
            elif fault == "merge" and len(lines) > 1:
                lines = [lines[0] + " " + lines[1].split(". ", 1)[1], *lines[2:]]
        content = "\n".join(lines)
        if fault == "chatter":
            content = f"Here is the translation:\n\n{content}\n\nI hope this helps!"
        elif fault == "quotes":
            content = f"“{content}”" if not numbered else content
        elif fault == "fence":
            content = f"```\n{content}\n```"
        elif fault == "label":
            content = f"Translation: {content}" if not numbered else content
        return content
