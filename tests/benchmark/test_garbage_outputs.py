"""Garbage outputs (U+FFFD, control characters, no letters) of an LLM are counted as degenerate, never as fine."""

from __future__ import annotations

import json

import pytest

from tests.benchmark.conftest import TINY_PRESET
from tests.support.fake_openai import FakeChat


@pytest.mark.parametrize("answer", ["\ufffd\ufffd\ufffd\ufffd", "H时\ufffd", "河内\x00\x00下雨", "... !!! ■■■"])
def test_a_garbage_answer_is_flagged_not_in_the_target_language(answer):
    from cls_data.benchmark.families.llm import clean_answer

    assert clean_answer(answer, tgt_lang="zh")["language_ok"] is False


def test_an_llm_answering_replacement_characters_is_counted_in_metrics_and_the_degenerate_table(dataset_dir, tmp_path):
    from cls_data.benchmark.context import RunContext, RunSpec
    from cls_data.benchmark.runs import run_or_record
    from cls_data.report.runs import load_runs
    from cls_data.report.tables import degenerate_markdown

    with FakeChat(models=("served-tiny",), answer=lambda messages: "\ufffd" * 12) as server:
        ctx = RunContext(out=tmp_path / "RUNS", preset=TINY_PRESET, options={"llm_url": server.url})
        status = run_or_record(RunSpec(str(dataset_dir), dataset_dir.name, "llm-prompt", None, None, 8, 0), ctx)
    assert status == ("done", None), status
    run_dir = tmp_path / "RUNS" / dataset_dir.name / "llm-prompt" / "n8" / "seed0"
    rows = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows and all(row["language_ok"] is False for row in rows)
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["wrong_language"] == len(rows)
    table = degenerate_markdown(load_runs(tmp_path / "RUNS").done())
    line = next(line for line in table.splitlines() if "| llm-prompt |" in line)
    assert line.rstrip(" |").endswith(f"{len(rows)} (100.0%)")
