"""The report verifies each run folder before it counts it: each damage a hand or a crash does is named, left out."""

import json
from pathlib import Path

import pytest

from cls_data.report.runs import load_runs
from cls_data.report.verify import DamagedRuns, check_runs, verify_rows
from cls_data.report.writer import ReportConfig, write_report
from tests.support.fake_runs import make_dataset, make_run

N = 20


def _pair(root: Path) -> tuple[Path, Path]:
    """tflcls and mbart-cls on Vi2ZhLow n=1000 with the test split they were scored on."""
    make_dataset(root, "Vi2ZhLow", N)
    good = make_run(root, "Vi2ZhLow", "mbart-cls", 1000, 1, 0.45, n=N)
    victim = make_run(root, "Vi2ZhLow", "tflcls", 1000, 1, 0.75, "tflcls", 2.0, n=N)
    return good, victim


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _only_damage(root: Path) -> str:
    verified = verify_rows(root, load_runs(root).rows)
    assert len(verified.damaged) == 1, verified.damaged
    assert {row.system for row in verified.rows} == {"mbart-cls"}  # the damaged run is in no row
    return str(verified.damaged[0])


def test_intact_runs_pass_untouched(tmp_path):
    _pair(tmp_path)
    verified = verify_rows(tmp_path, load_runs(tmp_path).rows)
    assert verified.damaged == [] and len(verified.rows) == 2


def test_predictions_cut_to_half_are_named(tmp_path):
    _, victim = _pair(tmp_path)
    path = victim / "predictions.jsonl"
    path.write_text("".join(_lines(path)[: N // 2]), encoding="utf-8")
    assert _only_damage(tmp_path) == f"{path}: 10 predictions, but metrics.json scored n_test = 20"


def test_emptied_predictions_are_named(tmp_path):
    _, victim = _pair(tmp_path)
    (victim / "predictions.jsonl").write_text("", encoding="utf-8")
    assert _only_damage(tmp_path) == f"{victim / 'predictions.jsonl'}: empty, but metrics.json scored 20 test samples"


def test_deleted_predictions_are_named(tmp_path):
    _, victim = _pair(tmp_path)
    (victim / "predictions.jsonl").unlink()
    assert _only_damage(tmp_path) == f"{victim / 'predictions.jsonl'}: missing"


def test_a_duplicated_line_is_named_with_both_line_numbers(tmp_path):
    _, victim = _pair(tmp_path)
    path = victim / "predictions.jsonl"
    lines = _lines(path)
    path.write_text("".join(lines[:-1] + [lines[3]]), encoding="utf-8")  # same count, one id twice
    assert _only_damage(tmp_path) == f"{path}: line 20: test id 'Vi2ZhLow-0003' again (first on line 4)"


def test_an_edited_test_score_in_metrics_json_is_named(tmp_path):
    _, victim = _pair(tmp_path)
    metrics = json.loads((victim / "metrics.json").read_text())
    real = metrics["test"]["rouge2"]
    metrics["test"]["rouge2"] = 0.45
    (victim / "metrics.json").write_text(json.dumps(metrics))
    assert _only_damage(tmp_path) == (
        f"{victim / 'metrics.json'}: test rouge2 45.00, but its 20 predictions score "
        f"{100 * real:.2f} (predictions.jsonl)"
    )


def test_edited_per_sample_scores_are_rescored_from_the_texts(tmp_path):
    _, victim = _pair(tmp_path)
    path = victim / "predictions.jsonl"
    rows = [json.loads(line) for line in _lines(path)]
    for row in rows:  # what the issue saw: per-sample scores zeroed (and metrics.json left alone)
        row.update(rouge1=0.0, rouge2=0.0, rougeL=0.0)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    message = _only_damage(tmp_path)
    assert message.startswith(
        f"{path}: 20 line(s) whose per-sample scores differ from their texts rescored with tokenizer zh"
    )
    assert "id 'Vi2ZhLow-0000': rouge1 0.0000 written" in message


def test_a_forged_prediction_with_matching_scores_still_fails_the_corpus_check(tmp_path):
    """Per-sample scores rescored consistently with an edited text: metrics.json no longer matches them."""
    from cls_data.rouge import score_texts

    _, victim = _pair(tmp_path)
    path = victim / "predictions.jsonl"
    rows = [json.loads(line) for line in _lines(path)]
    rows[0]["prediction"] = rows[0]["reference"]
    rows[0].update(score_texts([rows[0]["prediction"]], [rows[0]["reference"]], "zh")[0].f1())
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    assert _only_damage(tmp_path).startswith(f"{victim / 'metrics.json'}: test rouge1 ")


def test_a_line_that_is_not_json_and_a_nan_score_are_named(tmp_path):
    good, victim = _pair(tmp_path)
    path = victim / "predictions.jsonl"
    lines = _lines(path)
    path.write_text("".join(lines[:4] + ['{"id": "Vi2ZhLow-0004", "prediction": "\n'] + lines[5:]), encoding="utf-8")
    assert _only_damage(tmp_path).startswith(f"{path}: line 5: invalid JSON (")
    nan = good / "predictions.jsonl"
    rows = [json.loads(line) for line in _lines(nan)]
    rows[2]["rouge2"] = float("nan")
    nan.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    damaged = verify_rows(tmp_path, load_runs(tmp_path).rows).damaged
    assert str(damaged[0]).startswith(f"{nan}: 1 line(s) whose per-sample scores differ from their texts")


def test_metrics_json_without_test_is_damaged_not_finished(tmp_path):
    _, victim = _pair(tmp_path)
    metrics = json.loads((victim / "metrics.json").read_text())
    del metrics["test"]
    (victim / "metrics.json").write_text(json.dumps(metrics))
    assert _only_damage(tmp_path) == (
        f"{victim / 'metrics.json'}: no test scores (rouge1, rouge2, rougeL): counted as nothing"
    )


def test_ids_outside_the_test_split_are_named(tmp_path):
    _, victim = _pair(tmp_path)
    path = victim / "predictions.jsonl"
    text = path.read_text(encoding="utf-8").replace('"Vi2ZhLow-0007"', '"Vi2ZhLow-9999"')
    path.write_text(text, encoding="utf-8")
    assert _only_damage(tmp_path) == (
        f"{path}: 1 of the first 20 ids of the test split missing "
        "(first: 'Vi2ZhLow-0007'); 1 id(s) not among them (first: 'Vi2ZhLow-9999')"
    )


def test_without_the_dataset_folder_the_systems_ids_are_compared_with_each_other(tmp_path):
    root = tmp_path / "runs"
    for variant, skill in (("mbart-cls", 0.4), ("ncls", 0.2), ("tflcls-no-mul", 0.5)):
        make_run(root, "Vi2ZhLow", variant, 1000, 1, skill, n=N)
    path = root / "Vi2ZhLow" / "ncls" / "n1000" / "seed1" / "predictions.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace('"Vi2ZhLow-0002"', '"Vi2ZhLow-0777"'), encoding="utf-8")
    verified = verify_rows(root, load_runs(root).rows)
    assert [str(d) for d in verified.damaged] == [
        f"{path}: 1 of the ids of the other systems on Vi2ZhLow (trained on Vi2ZhLow n=1,000) missing "
        "(first: 'Vi2ZhLow-0002'); 1 id(s) not among them (first: 'Vi2ZhLow-0777')"
    ]
    assert "checked against each other only" in verified.notes[0]


def test_a_run_that_scored_other_than_its_presets_share_of_the_test_split_is_named(tmp_path):
    """config.json records the preset's cap (smoke: 16, others: none); this run scored 15 of the split's 20."""
    make_dataset(tmp_path, "Vi2ZhLow", N)
    capped = make_run(tmp_path, "Vi2ZhLow", "ncls", 1000, 1, 0.2, n=16)
    whole = make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 1, 0.45, n=15)
    for run, cap in ((capped, 16), (whole, None)):
        config = json.loads((run / "config.json").read_text())
        (run / "config.json").write_text(json.dumps({**config, "max_test_samples": cap}))
    verified = verify_rows(tmp_path, load_runs(tmp_path).rows)
    assert [str(d) for d in verified.damaged] == [
        f"{whole / 'predictions.jsonl'}: metrics.json scored n_test = 15, but its preset scores 20 of the test split's "
        "20 pairs (config.json max_test_samples None)"
    ]


def test_the_report_stops_naming_each_damaged_run_unless_allowed(tmp_path):
    _, victim = _pair(tmp_path)
    (victim / "predictions.jsonl").unlink()
    config = ReportConfig(runs=tmp_path, resamples=100, figures=False, cards=False)
    with pytest.raises(DamagedRuns, match="pass --allow-damaged") as caught:
        write_report(config)
    assert f"  {victim / 'predictions.jsonl'}: missing" in str(caught.value)
    assert not (tmp_path / "report" / "results.md").exists()
    result = write_report(ReportConfig(runs=tmp_path, resamples=100, figures=False, cards=False, allow_damaged=True))
    markdown = result.results_md.read_text(encoding="utf-8")
    assert "**Incomplete: 1 damaged run(s) left out of every table** (--allow-damaged)" in markdown
    assert "| `Vi2ZhLow/tflcls/tflcls/r2/n1000/seed1` | `predictions.jsonl` | missing |" in markdown
    tables = markdown.split("## Tables", 1)[1].split("## Damaged runs", 1)[0]
    assert "| tflcls" not in tables and "| mbart-cls |" in tables  # in no table and no significance row
    assert "pair tflcls vs mbart-cls: no dataset and train size has finished runs of both" in tables
    assert result.damaged and result.runs_done == 1


def test_check_runs_leaves_an_intact_runset_alone(tmp_path):
    _pair(tmp_path)
    runs = load_runs(tmp_path)
    before = list(runs.rows)
    assert check_runs(runs) == [] and runs.rows == before


def test_cli_exits_non_zero_naming_the_file_and_marks_the_tables_with_allow_damaged(tmp_path, run_cli):
    _, victim = _pair(tmp_path)
    path = victim / "predictions.jsonl"
    path.write_text("".join(_lines(path)[: N // 2]), encoding="utf-8")
    result = run_cli("report", tmp_path, "--resamples", "100", "--no-figures")
    assert result.returncode == 1
    assert f"{path}: 10 predictions, but metrics.json scored n_test = 20" in result.stderr
    result = run_cli("report", tmp_path, "--resamples", "100", "--no-figures", "--allow-damaged")
    assert result.returncode == 0, result.stderr
    assert f"damaged, left out: {path}: 10 predictions" in result.stderr
