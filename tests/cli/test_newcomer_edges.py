"""Rough edges a newcomer meets first: every bad option value is one `error:` line, a plan with nothing to run fails
with its reason, `report --help` shows the report's options, JSON errors read well, a chat URL without /v1 is named."""

from __future__ import annotations

import json

import pytest

from tests.support.fake_openai import MODEL, FakeChat


def only_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-3000:]
    return lines[0]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["benchmark", "-o", "R", "--dataset", "D", "--preset", "nosuch"],
            "error: invalid value for '--preset': 'nosuch' is not one of 'paper', 'fast', 'smoke' "
            "(see cls-data benchmark --help)",
        ),
        (
            ["benchmark", "-o", "R", "--dataset", "D", "--shots", "-1"],
            "error: invalid value for '--shots': Input should be greater than or equal to 0 (see cls-data benchmark "
            "--help)",
        ),
        (["benchmark", "--dataset", "D"], "error: missing option '--out' / '-o' (see cls-data benchmark --help)"),
        (["rouge", "--tokenizer", "zh", "a", "b"], "error: no such option: --tokenizer (see cls-data rouge --help)"),
        (
            ["build", "vi2zh", "kept.jsonl", "-o", "out", "--seed", "x"],
            "error: invalid value for '--seed': Input should be a valid integer, unable to parse string as an integer "
            "(see cls-data build --help)",
        ),
        (["nosuch"], "error: no such command 'nosuch' (see cls-data --help)"),
    ],
)
def test_a_bad_option_value_is_one_error_line_not_clicks_usage_block(run_cli, tmp_path, args, line):
    done = run_cli(*args, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert only_line(done.stderr) == line


def test_a_bare_command_still_shows_its_help(run_cli):
    done = run_cli("build")
    assert done.returncode == 2 and "Usage: cls-data build" in done.stdout + done.stderr
    assert "error:" not in done.stdout + done.stderr


def test_plan_with_no_runnable_train_size_fails_with_the_reason_and_no_empty_table(run_cli, tmp_path, dataset_dir):
    done = run_cli(
        "benchmark",
        "--dataset",
        dataset_dir,
        "--variants",
        "mbart-cls",
        "--train-sizes",
        "1000",
        "--plan",
        "--out",
        tmp_path / "RUNS",
    )
    assert done.returncode == 2 and done.stdout == ""  # no table of 0 runs
    line = only_line(done.stderr)
    assert line.startswith("error: nothing to run: Vi2ZhLow: train size 1000 dropped: the dataset has 24 training")
    assert line.endswith("pass --train-sizes 8,16,24")
    some = run_cli(
        "benchmark",
        "--dataset",
        dataset_dir,
        "--variants",
        "mbart-cls",
        "--train-sizes",
        "1000,8",
        "--plan",
        "--out",
        tmp_path / "RUNS",
    )
    assert some.returncode == 0 and "Vi2ZhLow/mbart-cls/n8/seed0" in some.stdout
    assert some.stderr.startswith("note: Vi2ZhLow: train size 1000 dropped")  # the reason comes first


def test_report_help_shows_the_options_of_report_runs_such_as_compare_paper(run_cli):
    done = run_cli("report", "--help")
    assert done.returncode == 0
    assert "Options of `cls-data report RUNS`" in done.stdout
    for option in ("--compare-paper", "--pair", "--resamples", "--metrics", "--out"):
        assert option in done.stdout.split("Options of `cls-data report RUNS`")[1], option


def test_invalid_json_names_the_column_without_saying_at_twice(tmp_path):
    from cls_data.errors import ClsDataError
    from cls_data.records import CLSSample, read_jsonl
    from cls_data.run_folder import read_json_lines

    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "text": "Hà Nội\tmưa"}\n', encoding="utf-8")  # a raw tab inside a JSON string
    with pytest.raises(ClsDataError) as records:
        list(read_jsonl(path, CLSSample))
    with pytest.raises(ClsDataError) as lines:
        list(read_json_lines(path))
    column = len('{"id": "a", "text": "Hà Nội') + 1
    for caught in (records, lines):
        assert str(caught.value) == f"{path}:1: invalid JSON (Invalid control character at column {column})"


def test_a_chat_url_without_v1_names_the_404_and_the_missing_v1_in_the_summary(run_cli, tmp_path, articles_file):
    with FakeChat() as server:
        url = server.url.removesuffix("/v1")
        done = run_cli(
            "filter",
            articles_file,
            "--keep",
            "5",
            "--out",
            tmp_path / "out",
            "--translator",
            "openai",
            "--translator-url",
            url,
            "--model",
            MODEL,
            "--cache",
            tmp_path / "c.sqlite",
            "--quiet",
        )
    assert done.returncode == 2
    summary = done.stdout.splitlines()[0]
    assert summary.startswith("kept 0 of 0 scored (40 read, 40 failed to translate, 40 of 40: rejected: HTTP 404")
    assert f"does --translator-url need /v1 ({url}/v1)?)" in summary
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith("error: nothing kept: no summary could be translated (40 of 40: rejected: HTTP 404")
    )
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert list(report["failure_reasons"].values()) == [40]
