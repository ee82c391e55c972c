"""`llm-prompt` against an OpenAI-compatible server on 127.0.0.1 that misbehaves like real ones."""

from __future__ import annotations

import json

import pytest

from tests.benchmark.conftest import TINY_PRESET
from tests.support.cls_dataset import HAN
from tests.support.fake_openai import FakeChat

KEY = "sk-test-not-a-real-key-4711"
SERVED = "served-tiny"


def summariser(styles: dict[str, str] | None = None):
    """An honest `llm-prompt` answer: the document's first 8 words in fake Han, in the wrappers chat models add
    ("Summary:", quotes) or in the source language for a document that starts with a prefix in `styles`."""

    def answer(messages: list[dict]) -> str:
        document = messages[-1]["content"].split("\n\n", 1)[1]
        words = document.split()[:8]
        style = next((s for prefix, s in (styles or {}).items() if document.startswith(prefix)), "plain")
        zh = "".join(HAN[w] for w in words)
        return {"summary": f'Summary: "{zh}"', "quoted": f"“{zh}”", "wrong": " ".join(words), "plain": zh}[style]

    return answer


def test_llm_prompt_runs_against_a_server_that_throttles_wraps_and_answers_in_the_wrong_language(
    dataset_dir, dataset, tmp_path, monkeypatch
):
    from cls_data.benchmark.context import RunContext, RunSpec
    from cls_data.benchmark.runs import run_or_record

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    docs = dataset.split("test")["text"][:3]
    styles = {docs[0][:30]: "summary", docs[1][:30]: "quoted", docs[2][:30]: "wrong"}
    with FakeChat(retry_after="1", models=(SERVED,), answer=summariser(styles)) as server:
        server.faults.append("429")  # the first request is throttled
        ctx = RunContext(out=tmp_path / "RUNS", preset=TINY_PRESET, options={"llm_url": server.url, "shots": 1})
        status = run_or_record(RunSpec(str(dataset_dir), dataset_dir.name, "llm-prompt", None, None, 8, 0), ctx)
    assert status == ("done", None), status
    run_dir = tmp_path / "RUNS" / dataset_dir.name / "llm-prompt" / "n8" / "seed0"
    metrics = json.loads((run_dir / "metrics.json").read_text())
    rows = {row["id"]: row for row in map(json.loads, (run_dir / "predictions.jsonl").read_text().splitlines())}
    test = dataset.split("test")
    refs = dict(zip(test["id"], test["cls_summary"], strict=False))
    first, second, third = (rows[i] for i in test["id"][:3])
    assert first["prediction"] == refs[test["id"][0]] and first["raw_prediction"].startswith("Summary:")
    assert second["prediction"] == refs[test["id"][1]] and first["rouge2"] == second["rouge2"] == 1.0
    assert third["language_ok"] is False and metrics["wrong_language"] == 1
    chats = server.requests  # the chat request bodies
    assert (
        len(chats) == 3 + 2 + 1
    )  # 3 test documents, 2 of validation (the report chooses on it), 1 throttled and retried
    assert metrics["best_val_rouge2"] == 1.0  # validation answers come back plain and right
    assert {r["model"] for r in chats} == {SERVED}  # the only model it serves
    assert all(r["temperature"] == 0 and r["max_tokens"] == TINY_PRESET.decode.max_new_tokens for r in chats)
    assert [m["role"] for m in chats[-1]["messages"]] == ["system", "user", "assistant", "user"]  # 1 shot
    assert {h.get("Authorization") for h in server.headers} == {f"Bearer {KEY}"}
    written = [p for p in (tmp_path / "RUNS").rglob("*") if p.is_file()]
    assert written and not any(KEY in p.read_text(errors="replace") for p in written)
    assert json.loads((run_dir / "config.json").read_text())["options"]["llm_url"] == server.url


def test_the_key_goes_to_the_server_only_never_through_a_redirect_nor_into_the_error(monkeypatch):
    from cls_data.benchmark.llm_server import ChatClient
    from cls_data.errors import ClsDataError

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with FakeChat(models=(SERVED,)) as elsewhere, FakeChat(models=(SERVED,)) as server:
        client = ChatClient(server.url, SERVED, retries=0)
        server.redirect_to = elsewhere.url.removesuffix("/v1")
        with pytest.raises(ClsDataError) as error:
            client.complete([{"role": "user", "content": "x"}], 8)
    assert "HTTP 307" in str(error.value) and KEY not in str(error.value) and "\n" not in str(error.value)
    assert elsewhere.headers == []
    assert all(h.get("Authorization") == f"Bearer {KEY}" for h in server.headers)


def test_without_a_key_no_authorization_header_is_sent(monkeypatch):
    from cls_data.benchmark.llm_server import ChatClient

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeChat(models=(SERVED,), answer=summariser()) as server:
        client = ChatClient(server.url, SERVED)
        answers = client.complete_all([[{"role": "user", "content": "i\n\nngười dân"}]], 8)
    assert answers == [HAN["người"] + HAN["dân"]]
    assert {h.get("Authorization") for h in server.headers} == {None}


def test_a_url_without_its_scheme_is_one_line():
    from cls_data.benchmark.llm_server import ChatClient
    from cls_data.errors import ClsDataError

    with pytest.raises(ClsDataError, match="expected http"):
        ChatClient("127.0.0.1:8000/v1", "m")


def test_an_error_body_that_echoes_the_key_is_redacted(monkeypatch):
    from cls_data.benchmark.llm_server import ChatClient
    from cls_data.errors import ClsDataError

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with FakeChat(models=(SERVED,)) as server:
        client = ChatClient(server.url, SERVED, retries=0)
        with pytest.raises(ClsDataError) as error:
            client._retrying(lambda api: api.request("GET", f"/echo-{KEY}"), f"/echo-{KEY}")
    assert "HTTP 404" in str(error.value) and KEY not in str(error.value)


def test_several_llm_urls_share_the_prompts_and_a_dead_replica_loses_none(monkeypatch):
    from cls_data.benchmark.llm_server import ChatClient

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with (
        FakeChat(models=(SERVED,), answer=summariser()) as a,
        FakeChat(models=(SERVED,), answer=summariser()) as b,
        FakeChat(models=(SERVED,), answer=summariser()) as dead,
    ):
        client = ChatClient(f"{a.url},{dead.url},{b.url}", SERVED, backoff=0.01)
        dead.__exit__(None, None, None)  # gone after the client started: connections refused
        b.faults.extend(["503", "429"])
        words = list(HAN)
        prompts = [[{"role": "user", "content": "Tóm tắt:\n\n" + " ".join(words[i : i + 8])}] for i in range(30)]
        answers = client.complete_all(prompts, max_tokens=16)
        client.close()
    assert len(answers) == 30 and all(answers)
    served = client.served
    assert served[dead.url] == 0 and served[a.url] > 0 and sum(served.values()) == 30  # each prompt answered once
    assert client.balancer.drained[dead.url] >= 1 and client.balancer.drained[b.url] >= 1  # b's 503 drained it a while


def test_an_llm_prompt_run_over_two_replicas_says_how_many_prompts_each_answered(
    dataset_dir, dataset, tmp_path, monkeypatch
):
    from cls_data.benchmark.context import RunContext, RunSpec
    from cls_data.benchmark.runs import run_or_record

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeChat(models=(SERVED,), answer=summariser()) as a, FakeChat(models=(SERVED,), answer=summariser()) as b:
        ctx = RunContext(out=tmp_path / "RUNS", preset=TINY_PRESET, options={"llm_url": f"{a.url},{b.url}"})
        status = run_or_record(RunSpec(str(dataset_dir), dataset_dir.name, "llm-prompt", None, None, 8, 0), ctx)
    assert status == ("done", None), status
    metrics = json.loads((tmp_path / "RUNS" / dataset_dir.name / "llm-prompt/n8/seed0/metrics.json").read_text())
    note = next(n for n in metrics["notes"] if n.startswith("prompts answered per --llm-url server: "))
    counts = {url: len(server.requests) for url, server in ((a.url, a), (b.url, b))}
    assert note.endswith(f"{a.url} {counts[a.url]}, {b.url} {counts[b.url]}") and sum(counts.values()) == 3 + 2
