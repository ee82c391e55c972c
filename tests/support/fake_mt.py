"""A loopback translation server for tests and benchmarks: LibreTranslate's API and the Google
web page that deep-translator scrapes, with a deterministic fake translation and injectable faults.

Forward (vi -> zh): every character of a word becomes a Han character (U+4E00 + its code point),
so the answer is in Chinese script as a real one is; into another language every word is reversed.
Back (into vi): every word decoded (or reversed) again, but words of 4 or 8 letters are dropped, so
each round trip loses a different share of the summary and ROUGE differs between samples.

Misbehaviours of a real service, on demand: `faults` (per request, in order), `echo_rate` (that
share of texts answered with the source itself: the first time a text is seen, or every time
with `echo_always`), `garble_rate` (that share of texts answered, the first time, as a decoder that
cut a character in two does: the answer's first two characters and U+FFFD), `die_after` (after
that many answered requests the service is gone: open connections are dropped and new ones refused).
"""

from __future__ import annotations

import html
import json
import random
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs, urlparse

LANGUAGES = [{"code": c, "name": c, "targets": ["vi", "zh", "en"]} for c in ("vi", "zh", "en")]


HAN = 0x4E00


def _encode(word: str) -> str:
    return "".join(chr(HAN + ord(c)) for c in word)


def _decode(word: str) -> str:
    if all(HAN <= ord(c) < HAN + 0x5000 for c in word):
        return "".join(chr(ord(c) - HAN) for c in word)
    return word[::-1]


def fake_line(text: str, source: str, target: str = "zh") -> str:
    words = text.split()
    if source.lower().startswith("vi"):
        encode = _encode if target.lower().startswith("zh") else (lambda w: w[::-1])
        return " ".join(encode(w) for w in words)
    decoded = (_decode(w) for w in words)
    return " ".join(w for w in decoded if len(w) % 4 != 0)


def fake_translate(text: str, source: str, target: str = "zh") -> str:
    return "\n".join(fake_line(line, source, target) for line in text.split("\n"))


class LocalServer:
    """An HTTP handler served on 127.0.0.1 in a daemon thread while `with` lasts; `url` is its root + `suffix`."""

    def _serve(self, handler: type[BaseHTTPRequestHandler], suffix: str = "") -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}{suffix}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class FakeMT(LocalServer):
    """Start with `with FakeMT() as server:`; `server.url`, `server.faults`, `server.requests`."""

    def __init__(
        self,
        delay: float = 0.0,
        retry_after: str = "0",
        slow_seconds: float = 2.0,
        echo_rate: float = 0.0,
        echo_always: bool = False,
        die_after: int | None = None,
        garble_rate: float = 0.0,
    ):
        self.delay = delay  # seconds every translation request takes
        self.retry_after = retry_after  # sent with every injected 429
        self.slow_seconds = slow_seconds  # how long a "slow" fault stalls
        self.faults: deque[str] = deque()  # applied to successive translation requests
        self.requests: list[list[str]] = []  # texts of every translation request, in order
        self.statuses: list[int] = []
        self.api_key: str | None = None  # when set, /translate answers 403 without it
        self.echo_rate = echo_rate  # share of texts answered with the source text itself
        self.echo_always = echo_always  # False: a text is echoed at most once, then translated
        self._seen: set[str] = set()
        self.garble_rate = garble_rate  # share of texts answered garbled ("H时\ufffd") the first time they are seen
        self._garbled: set[str] = set()
        self.die_after = die_after  # answered requests before the service is gone for good
        self.answered = 0
        self.dead = False
        self._random = random.Random(0)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, body: str, content_type: str, headers: dict | None = None):
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                url = urlparse(self.path)
                if url.path == "/languages":
                    return self._send(200, json.dumps(LANGUAGES), "application/json")
                if url.path == "/m":
                    query = parse_qs(url.query)
                    texts = [query.get("q", [""])[0]]
                    return server._answer(
                        self, texts, query.get("sl", ["auto"])[0], google=True, target=query.get("tl", ["zh"])[0]
                    )
                self._send(404, "not found", "text/plain")

            def do_POST(self):
                if urlparse(self.path).path != "/translate":
                    return self._send(404, "not found", "text/plain")
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                if server.api_key and body.get("api_key") != server.api_key:
                    return self._send(403, '{"error": "Invalid API key"}', "application/json")
                q = body["q"]
                server._answer(
                    self,
                    q if isinstance(q, list) else [q],
                    body["source"],
                    google=False,
                    as_list=isinstance(q, list),
                    target=body.get("target", "zh"),
                )

        self._serve(Handler)

    def texts_requested(self) -> list[str]:
        """Every text sent, packed Google requests split into their lines."""
        return [line for texts in self.requests for text in texts for line in text.split("\n")]

    def _echo(self, line: str) -> bool:
        """Whether this line comes back untranslated (call with the lock held)."""
        if line in self._seen and not self.echo_always:
            return False
        self._seen.add(line)
        return self._random.random() < self.echo_rate

    def _garble(self, line: str) -> bool:
        """Whether this line comes back garbled (call with the lock held)."""
        if line in self._garbled or not self.garble_rate:
            return False
        self._garbled.add(line)
        return self._random.random() < self.garble_rate

    def die(self) -> None:
        """From now on the service is gone: open connections dropped, new ones refused."""
        self.dead = True

        def stop() -> None:
            self._httpd.shutdown()
            self._httpd.server_close()

        threading.Thread(target=stop, daemon=True).start()

    def _answer(self, handler, texts: list[str], source: str, google: bool, as_list: bool = False, target: str = "zh"):
        with self._lock:
            if self.dead or (self.die_after is not None and self.answered >= self.die_after):
                if not self.dead:
                    self.die()
                handler.close_connection = True  # no answer at all: the client sees a dropped connection
                return
            self.requests.append(texts)
            self.answered += 1  # counted when accepted: concurrent requests cannot slip past die_after
            fault = self.faults.popleft() if self.faults else None
            # Which lines (Google packs texts one per line) come back untranslated.
            echoed = [[fault == "echo" or self._echo(line) for line in t.split("\n")] for t in texts]
            garbled = [[self._garble(line) for line in t.split("\n")] for t in texts]
        if self.delay:
            time.sleep(self.delay)
        status = 200
        if fault == "429":
            status = 429
            handler._send(429, '{"error": "slow down"}', "application/json", {"Retry-After": self.retry_after})
        elif fault == "500":
            status = 500
            handler._send(500, '{"error": "boom"}', "application/json")
        elif fault == "503":
            status = 503
            handler._send(503, "unavailable", "text/plain")
        elif fault == "badjson":
            handler._send(
                200,
                '{"translatedText": [' if not google else "<html><body>oops</body></html>",
                "application/json" if not google else "text/html",
            )
        else:
            if fault == "slow":
                time.sleep(self.slow_seconds)
            out = [
                "\n".join(
                    line
                    if echo
                    else fake_line(line, source, target)[:2] + "\ufffd"
                    if bad
                    else fake_line(line, source, target)
                    for line, echo, bad in zip(t.split("\n"), flags, bads, strict=False)
                )
                for t, flags, bads in zip(texts, echoed, garbled, strict=False)
            ]
            if fault == "empty":  # well-formed, but the last text came back empty
                out = ["\n".join([*out[0].split("\n")[:-1], ""])] if google else [*out[:-1], ""]
            if fault == "wrongcount":
                if google:
                    out = [out[0].replace("\n", " ", 1)]  # two lines merged into one
                else:
                    out = out[:-1] if len(out) > 1 else out + ["extra"]
            if google:
                page = f'<html><body><div class="result-container">{html.escape(out[0])}</div></body></html>'
                handler._send(200, page, "text/html; charset=utf-8")
            else:
                handler._send(
                    200,
                    json.dumps({"translatedText": out if as_list else out[0]}, ensure_ascii=False),
                    "application/json",
                )
        with self._lock:
            self.statuses.append(status)
