"""`llm-prompt` against an OpenAI-compatible server on 127.0.0.1 that misbehaves like real ones."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.benchmark.conftest import TINY_PRESET
from tests.support.cls_dataset import HAN

KEY = "sk-test-not-a-real-key-4711"


class FakeChatServer:
    """GET /v1/models, POST /v1/chat/completions: one 429 with Retry-After first, answers in the wrappers chat
    models add ("Summary:", quotes), one in the source language; every request's headers and body are kept."""

    def __init__(self, styles: dict[str, str] | None = None, redirect_to: str | None = None) -> None:
        self.styles, self.redirect_to = styles or {}, redirect_to
        self.requests: list[dict] = []
        self.throttled = False
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, status, body, headers=()):
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                with owner.lock:
                    owner.requests.append({"path": self.path, "auth": self.headers.get("Authorization")})
                if self.path == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": "served-tiny", "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": f"no such route {self.path}"}})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with owner.lock:
                    owner.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                    first = not owner.throttled
                    owner.throttled = True
                if owner.redirect_to:
                    self._send(307, {}, [("Location", owner.redirect_to + self.path)])
                    return
                if first:
                    self._send(429, {"error": {"message": "rate limited"}}, [("Retry-After", "1")])
                    return
                document = body["messages"][-1]["content"].split("\n\n", 1)[1]
                words = document.split()[:8]
                style = next((s for prefix, s in owner.styles.items() if document.startswith(prefix)), "plain")
                zh = "".join(HAN[w] for w in words)
                content = {"summary": f'Summary: "{zh}"', "quoted": f"“{zh}”", "wrong": " ".join(words), "plain": zh}[style]
                self._send(200, {"id": "x", "object": "chat.completion",
                                 "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_llm_prompt_runs_against_a_server_that_throttles_wraps_and_answers_in_the_wrong_language(dataset_dir, dataset, tmp_path, monkeypatch):
    from cls_data.benchmark.runs import RunContext, RunSpec, run_or_record

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    docs = dataset.split("test")["text"][:3]
    server = FakeChatServer({docs[0][:30]: "summary", docs[1][:30]: "quoted", docs[2][:30]: "wrong"})
    try:
        ctx = RunContext(out=tmp_path / "RUNS", preset=TINY_PRESET, llm_url=server.url, shots=1)
        status = run_or_record(RunSpec(str(dataset_dir), dataset_dir.name, "llm-prompt", None, None, 8, 0), ctx)
    finally:
        server.close()
    assert status == ("done", None), status
    run_dir = tmp_path / "RUNS" / dataset_dir.name / "llm-prompt" / "n8" / "seed0"
    metrics = json.loads((run_dir / "metrics.json").read_text())
    rows = {row["id"]: row for row in map(json.loads, (run_dir / "predictions.jsonl").read_text().splitlines())}
    test = dataset.split("test")
    refs = dict(zip(test["id"], test["cls_summary"]))
    first, second, third = (rows[i] for i in test["id"][:3])
    assert first["prediction"] == refs[test["id"][0]] and first["raw_prediction"].startswith("Summary:")
    assert second["prediction"] == refs[test["id"][1]] and first["rouge2"] == second["rouge2"] == 1.0
    assert third["language_ok"] is False and metrics["wrong_language"] == 1
    chats = [r for r in server.requests if r["path"] == "/v1/chat/completions"]
    assert len(chats) == 3 + 2 + 1  # 3 test documents, 2 of validation (the report chooses on it), 1 throttled and retried
    assert metrics["best_val_rouge2"] == 1.0  # validation answers come back plain and right
    assert {r["body"]["model"] for r in chats} == {"served-tiny"}  # the only model it serves
    assert all(r["body"]["temperature"] == 0 and r["body"]["max_tokens"] == TINY_PRESET.decode.max_new_tokens for r in chats)
    assert [m["role"] for m in chats[-1]["body"]["messages"]] == ["system", "user", "assistant", "user"]  # 1 shot
    assert {r["auth"] for r in server.requests} == {f"Bearer {KEY}"}
    written = [p for p in (tmp_path / "RUNS").rglob("*") if p.is_file()]
    assert written and not any(KEY in p.read_text(errors="replace") for p in written)
    assert json.loads((run_dir / "config.json").read_text())["prompt"]["llm_url"] == server.url


def test_the_key_goes_to_the_server_only_never_through_a_redirect_nor_into_the_error(monkeypatch):
    from cls_data.benchmark.llm_server import ChatClient
    from cls_data.errors import ClsDataError

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    elsewhere = FakeChatServer()
    server = FakeChatServer(redirect_to=elsewhere.url.removesuffix("/v1"))
    try:
        client = ChatClient(server.url, "served-tiny", retries=0)
        with pytest.raises(ClsDataError) as error:
            client.complete([{"role": "user", "content": "x"}], 8)
    finally:
        server.close(), elsewhere.close()
    assert "HTTP 307" in str(error.value) and KEY not in str(error.value) and "\n" not in str(error.value)
    assert elsewhere.requests == []
    assert all(r["auth"] == f"Bearer {KEY}" for r in server.requests)


def test_without_a_key_no_authorization_header_is_sent(monkeypatch):
    from cls_data.benchmark.llm_server import ChatClient

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server = FakeChatServer()
    server.throttled = True
    try:
        client = ChatClient(server.url, "served-tiny")
        answers = client.complete_all([[{"role": "user", "content": "i\n\nngười dân"}]], 8)
    finally:
        server.close()
    assert answers == [HAN["người"] + HAN["dân"]]
    assert {r["auth"] for r in server.requests} == {None}


def test_a_url_without_its_scheme_is_one_line():
    from cls_data.benchmark.llm_server import ChatClient
    from cls_data.errors import ClsDataError

    with pytest.raises(ClsDataError, match="expected http"):
        ChatClient("127.0.0.1:8000/v1", "m")


def test_an_error_body_that_echoes_the_key_is_redacted(monkeypatch):
    from cls_data.benchmark.llm_server import ChatClient
    from cls_data.errors import ClsDataError

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    server = FakeChatServer()
    try:
        client = ChatClient(server.url, "served-tiny", retries=0)
        with pytest.raises(ClsDataError) as error:
            client._request("GET", f"/echo-{KEY}")
    finally:
        server.close()
    assert "HTTP 404" in str(error.value) and KEY not in str(error.value)
