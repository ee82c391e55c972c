"""A recipe that changes the optimisation is labelled unvalidated; the differences from the paper's code are listed."""

import json

from cls_data.report.fidelity import differences_markdown, is_unvalidated, presets_markdown
from cls_data.report.runs import load_runs
from tests.support.fake_runs import make_run


def _preset(folder, preset, faithful=None, validated=None, test_weights=None):
    config = json.loads((folder / "config.json").read_text())
    config["preset"] = preset
    for key, value in (("preset_faithful", faithful), ("preset_validated", validated), ("test_weights", test_weights)):
        if value is not None:
            config[key] = value
    (folder / "config.json").write_text(json.dumps(config))


def test_only_the_paper_preset_or_one_declared_faithful_escapes_the_unvalidated_label(tmp_path):
    _preset(make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 0, 0.5), "paper")
    _preset(make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 1, 0.5), "fast")
    _preset(make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 2, 0.5), "fast")
    _preset(make_run(tmp_path, "Vi2ZhLow", "ncls", 1000, 0, 0.5), "fast-checked", faithful=True)
    rows = load_runs(tmp_path).rows
    assert {row.seed: row.faithful for row in rows if row.variant == "mbart-cls"} == {0: True, 1: False, 2: False}
    text = presets_markdown(rows)
    assert "- `fast`, `mbart-cls` (2 runs): **changes the optimisation and is unvalidated**" in text
    assert "- `paper`, `mbart-cls` (1 run): the paper's recipe" in text
    assert "- `fast-checked`, `ncls` (1 run): the paper's recipe" in text  # an old config: its word is taken


def test_a_baseline_under_the_paper_preset_is_not_labelled_the_papers_recipe(tmp_path):
    _preset(
        make_run(tmp_path, "Vi2ZhLow", "tflcls", 1000, 0, 0.5),
        "paper",
        faithful=True,
        validated=True,
        test_weights="last",
    )
    _preset(
        make_run(tmp_path, "Vi2ZhLow", "ncls", 1000, 0, 0.5),
        "paper",
        faithful=False,
        validated=True,
        test_weights="last",
    )
    rows = load_runs(tmp_path).rows
    assert {row.variant: row.preset_status for row in rows} == {"tflcls": "faithful", "ncls": "no paper recipe"}
    assert not any(is_unvalidated(row) for row in rows)
    text = presets_markdown(rows)
    assert "- `paper`, `ncls` (1 run): a system the paper gives no training recipe for" in text
    assert "- `paper`, `tflcls` (1 run): the paper's recipe" in text
    assert "the last epoch's (2 runs)" in text


def test_the_report_lists_every_remaining_difference_from_the_papers_code():
    text = differences_markdown()
    for topic in (
        "precision",
        "batching",
        "clipping",
        "HU (Table 3)",
        "ROUGE",
        "test weights",
        "data",
        "targets",
        "validation",
    ):
        assert f"| {topic} |" in text
    assert "random sigmas" in text and "mBART pieces" in text and "--test-weights last" in text
