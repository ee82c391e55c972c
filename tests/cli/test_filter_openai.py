"""`cls-data filter --translator openai` against a chat server that misbehaves like vLLM/Ollama do."""

from __future__ import annotations

import json

from tests.support.cli import run_cli
from tests.support.fake_openai import MODEL, FakeChat

OUTPUTS = ("scored.jsonl", "kept.jsonl", "failures.jsonl")
FAULTS = [
    "chatter",
    "429",
    "wrongcount",
    "500",
    "badjson",
    "wronglang",
    "slow",
    "renumber",
    "fence",
    "merge",
    "503",
    "cut",
    "429",
]


def filter_cmd(input, out, server, cache):
    return [
        "filter",
        str(input),
        "--keep",
        "11",
        "--out",
        str(out),
        "--translator",
        "openai",
        "--translator-url",
        server.url,
        "--model",
        MODEL,
        "--cache",
        str(cache),
        "--backoff",
        "0.01",
        "--timeout",
        "0.7",
        "--batch-size",
        "4",
        "--concurrency",
        "2",
        "--quiet",
    ]


def run(args):
    return run_cli(*args, timeout=120)


def test_a_misbehaving_server_keeps_exactly_the_honest_top_k_and_a_rerun_is_served_from_the_cache(
    tmp_path, articles_file, monkeypatch
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-0123456789")
    outputs = {}
    for name, faults in (("honest", []), ("faulty", FAULTS)):
        with FakeChat(retry_after="1", slow_seconds=1.5) as server:
            server.api_key = "sk-local-0123456789"
            server.faults.extend(faults)
            result = run(filter_cmd(articles_file, tmp_path / name, server, tmp_path / f"{name}.sqlite"))
            assert result.returncode == 0, result.stderr
            assert not server.faults, "every fault was served"
        outputs[name] = [(tmp_path / name / f).read_text(encoding="utf-8") for f in OUTPUTS]
        assert "kept 11 of 40 scored" in result.stdout
    assert outputs["faulty"] == outputs["honest"]
    assert "rejected answers (not cached, asked again):" in result.stdout and "not Chinese" in result.stdout
    report = json.loads((tmp_path / "faulty" / "report.json").read_text(encoding="utf-8"))
    assert report["model"] == MODEL
    kept = [json.loads(line) for line in outputs["faulty"][1].splitlines()]
    assert len(kept) == 11 and {k["translator"] for k in kept} == {f"openai ({MODEL})"}  # what the card will name

    with FakeChat() as server:
        server.api_key = "sk-local-0123456789"
        again = run(filter_cmd(articles_file, tmp_path / "again", server, tmp_path / "faulty.sqlite"))
        assert again.returncode == 0, again.stderr
        assert server.requests == [], "a rerun sends no chat request"
    assert "requests sent 0 (0 retries), cache hits 80" in again.stdout
    for path in (tmp_path / "faulty").iterdir():  # the key is in no output
        assert b"sk-local-0123456789" not in path.read_bytes()
    assert b"sk-local-0123456789" not in (tmp_path / "faulty.sqlite").read_bytes()
