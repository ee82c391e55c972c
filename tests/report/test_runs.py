import json

import pytest

from cls_data.errors import ClsDataError
from cls_data.report.runs import load_runs
from cls_data.run_folder import parse_run_path
from tests.support.fake_runs import make_failed, make_run


def test_run_paths_with_and_without_weighting_and_r_are_parsed():
    assert parse_run_path("Vi2ZhLow/tflcls/tflcls/r2.5/n1000/seed3") == {
        "dataset": "Vi2ZhLow",
        "variant": "tflcls",
        "weighting": "tflcls",
        "r": 2.5,
        "train_size": 1000,
        "seed": 3,
    }
    assert parse_run_path("En2ZhLow/tflcls/hu/n3000/seed1")["weighting"] == "hu"
    assert parse_run_path("En2ZhLow/ncls/n3000/seed1")["weighting"] is None
    assert parse_run_path("En2ZhLow/ncls/model") is None


def test_finished_and_failed_runs_are_rows_with_their_status(runs):
    failed = [row for row in runs.rows if row.status == "failed"]
    assert {(row.dataset, row.variant, row.train_size) for row in failed} == {("Vi2ZhLow", "ncls", 3000)}
    assert failed[0].error == "CUDA out of memory"
    done = runs.done()
    assert len(done) == 60
    tflcls = next(row for row in done if row.system == "tflcls/tflcls/r2")
    assert 0 < tflcls.rouge2 < 1 and tflcls.tokenizer == "zh" and tflcls.n_test == 40


def test_a_retried_run_that_finished_hides_its_old_failure(tmp_path):
    make_failed(tmp_path, "Vi2ZhLow", "ncls", 1000, 1)
    make_run(tmp_path, "Vi2ZhLow", "ncls", 1000, 1, skill=0.3)
    assert [row.status for row in load_runs(tmp_path).rows] == ["done"]


def test_results_json_rows_without_a_folder_are_kept_with_a_note(tmp_path):
    make_run(tmp_path, "Vi2ZhLow", "ncls", 1000, 1, skill=0.3)
    rows = [
        {
            "dataset": "Vi2ZhLow",
            "eval_dataset": "Vi2ZhLow",
            "variant": "mclas",
            "weighting": None,
            "r": None,
            "train_size": 1000,
            "seed": 1,
            "status": "done",
            "error": None,
            "rouge1": 0.3,
            "rouge2": 0.1,
            "rougeL": 0.3,
            "tokenizer": "zh",
            "n_test": 40,
            "train_seconds": 1,
            "decode_seconds": 1,
            "samples_per_s": 1,
            "run_dir": "Vi2ZhLow/mclas/n1000/seed1",
            "future_field": 1,
        }
    ]
    (tmp_path / "results.json").write_text(json.dumps(rows))
    runs = load_runs(tmp_path)
    assert {row.variant for row in runs.rows} == {"ncls", "mclas"}
    assert "1 row(s) of results.json" in runs.notes[0]


def test_stage1_translation_runs_stay_out_of_the_rows(tmp_path):
    make_run(tmp_path, "Vi2ZhLow", "stage1-translation", 1000, 1, skill=0.3)
    make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 1, skill=0.3)
    assert {row.variant for row in load_runs(tmp_path).rows} == {"mbart-cls"}


def test_an_empty_or_absent_runs_folder_is_one_clear_error(tmp_path):
    with pytest.raises(ClsDataError, match="no finished or failed runs"):
        load_runs(tmp_path)
    with pytest.raises(ClsDataError, match="no such runs folder"):
        load_runs(tmp_path / "nope")


def test_a_broken_metrics_file_names_the_file(tmp_path):
    folder = make_run(tmp_path, "Vi2ZhLow", "ncls", 1000, 1, skill=0.3)
    (folder / "metrics.json").write_text("{oops")
    with pytest.raises(ClsDataError, match="metrics.json: not valid JSON"):
        load_runs(tmp_path)
