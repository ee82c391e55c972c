""" "Which model should I train?" chooses on validation ROUGE-2, then reads the test set."""

import json

import pytest

from cls_data.report.runs import load_runs
from cls_data.report.selection import choices, recommendations
from tests.support.fake_runs import make_run


def _run(root, variant, skill, val, weighting=None, r=None, size=1000, seed=0):
    """A run whose test skill is `skill` and whose best validation ROUGE-2 is `val` (None: not recorded anywhere)."""
    folder = make_run(root, "Vi2ZhLow", variant, size, seed, skill, weighting, r)
    metrics = json.loads((folder / "metrics.json").read_text())
    metrics.pop("best_val_rouge2")
    if val is not None:
        metrics["best_val_rouge2"] = val
    else:
        (folder / "train_log.jsonl").write_text("")
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def test_the_recommendation_chooses_on_validation_not_on_the_test_set(tmp_path):
    _run(tmp_path, "mbart-cls", 0.8, 0.20)  # best on test
    _run(tmp_path, "tflcls", 0.5, 0.30, "tflcls", 2.0)  # best on validation
    _run(tmp_path, "ncls", 0.1, 0.05)
    runs = load_runs(tmp_path)
    [choice] = choices(runs)
    assert choice.basis == "validation" and choice.ranked == ["tflcls/tflcls/r2", "mbart-cls", "ncls"]
    section, plain = recommendations(runs, 200, 0)
    row = next(line for line in section if line.startswith("| Vi2ZhLow"))
    assert "| validation | **tflcls/tflcls/r2** (30.00) |" in row and "mbart-cls (20.00; test" in row
    assert "clearly worse on test" in plain[0]  # the test set is read after the choice, and it may disagree
    assert any("The test set took no part in the choice" in line for line in section)


def test_r_is_chosen_on_validation_and_ablations_are_not_candidates(tmp_path):
    _run(tmp_path, "tflcls", 0.9, 0.20, "tflcls", 1.0)  # best test, worse validation
    _run(tmp_path, "tflcls", 0.6, 0.25, "tflcls", 2.0)
    _run(tmp_path, "tflcls", 0.5, 0.40, "tflcls", 3.5)
    _run(tmp_path, "tflcls", 0.95, 0.90, "hu")  # another weighting: a Table-3 setting, not the default
    _run(tmp_path, "tflcls-no-tra", 0.9, 0.95, "tflcls", 2.0)  # an ablation, best on everything
    _run(tmp_path, "mbart-cls", 0.4, 0.10)
    [choice] = choices(load_runs(tmp_path))
    assert choice.ranked == ["tflcls/tflcls/r3.5", "mbart-cls"]
    assert (
        "tflcls: r = 3.5 chosen on validation among 1, 2, 3.5; Table 2 shows r = 2, the paper's default, so that "
        "its rows compare with the paper's (every r: the Figure 5 table)"
    ) in choice.notes


def test_the_recommendation_says_when_it_uses_the_r_table_2_shows(tmp_path):
    _run(tmp_path, "tflcls", 0.6, 0.40, "tflcls", 2.0)
    _run(tmp_path, "tflcls", 0.5, 0.25, "tflcls", 2.5)
    _run(tmp_path, "mbart-cls", 0.4, 0.10)
    section, plain = recommendations(load_runs(tmp_path), 200, 0)
    assert any(
        line.endswith("tflcls: r = 2 chosen on validation among 2, 2.5; Table 2 shows the same r") for line in section
    )
    assert plain[0].startswith("Vi2ZhLow n=1000: tflcls/tflcls/r2 ")


def test_without_validation_scores_it_ranks_on_test_and_says_the_p_value_is_optimistic(tmp_path):
    _run(tmp_path, "mbart-cls", 0.8, None)
    _run(tmp_path, "tflcls", 0.5, 0.30, "tflcls", 2.0)
    runs = load_runs(tmp_path)
    [choice] = choices(runs)
    assert choice.basis == "test" and choice.ranked[0] == "mbart-cls"
    section, _ = recommendations(runs, 200, 0)
    assert any("ranked on TEST R-2 instead, so the p-value is optimistic" in line for line in section)


def test_validation_comes_from_metrics_json_validation_or_else_its_best_val_rouge2(tmp_path):
    folder = _run(tmp_path, "mbart-cls", 0.5, 0.3)
    metrics = json.loads((folder / "metrics.json").read_text())
    assert load_runs(tmp_path).rows[0].val_rouge2 == pytest.approx(
        metrics["best_val_rouge2"]
    )  # runs of the last release
    (folder / "metrics.json").write_text(json.dumps({**metrics, "validation": {"rouge2": 0.31}}))
    assert load_runs(tmp_path).rows[0].val_rouge2 == 0.31  # this engine writes metrics["validation"]
