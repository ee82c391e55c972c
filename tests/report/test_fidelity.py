"""A recipe that changes the optimisation is labelled unvalidated; the differences from the paper's code are listed."""

import json

from cls_data.report.fidelity import differences_markdown, presets_markdown
from cls_data.report.runs import load_runs
from tests.support.fake_runs import make_run


def _preset(folder, preset, faithful=None):
    config = json.loads((folder / "config.json").read_text())
    config["preset"] = preset
    if faithful is not None:
        config["preset_faithful"] = faithful
    (folder / "config.json").write_text(json.dumps(config))


def test_only_the_paper_preset_or_one_declared_faithful_escapes_the_unvalidated_label(tmp_path):
    _preset(make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 0, 0.5), "paper")
    _preset(make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 1, 0.5), "fast")
    _preset(make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 2, 0.5), "fast")
    _preset(make_run(tmp_path, "Vi2ZhLow", "ncls", 1000, 0, 0.5), "fast-checked", faithful=True)
    rows = load_runs(tmp_path).rows
    assert {row.seed: row.faithful for row in rows if row.variant == "mbart-cls"} == {0: True, 1: False, 2: False}
    text = presets_markdown(rows)
    assert "- `fast` (2 runs): **changes the optimisation and is unvalidated**" in text
    assert "- `paper` (1 run): the paper's optimisation" in text
    assert "- `fast-checked` (1 run): the paper's optimisation" in text


def test_the_report_lists_every_remaining_difference_from_the_papers_code():
    text = differences_markdown()
    for topic in ("precision", "batching", "clipping", "HU (Table 3)", "ROUGE"):
        assert f"| {topic} |" in text
    assert "random sigmas" in text and "0.035" in text
