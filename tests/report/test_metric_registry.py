"""The metric registry's cache: per run and metric version; a rerun computes nothing, a change recomputes only it."""

from __future__ import annotations

import pytest

from cls_data.errors import ClsDataError
from cls_data.report.metrics import column_of, get_metric, metric_names
from cls_data.report.metrics.base import MetricOptions
from cls_data.report.metrics.cache import score_runs
from cls_data.report.metrics.target_language import TargetLanguage
from cls_data.report.runs import load_runs
from tests.support.fake_runs import make_run, rewrite_predictions


def _score(root, out):
    return score_runs(load_runs(root), get_metric("target_lang"), MetricOptions(), out)


def test_a_rerun_computes_nothing_and_a_changed_file_or_version_is_scored_again(tmp_path, monkeypatch):
    root, out = tmp_path / "runs", tmp_path / "out"
    for variant in ("mbart-cls", "tflcls", "ncls"):
        make_run(root, "Vi2ZhLow", variant, 1000, 1, skill=0.5, n=10)
    assert _score(root, out).computed == 3
    assert _score(root, out).computed == 0
    vietnamese = "Bộ Y tế khuyến cáo người dân tiêm vắc xin"  # the source language, not Chinese
    rewrite_predictions(
        root / "Vi2ZhLow" / "ncls" / "n1000" / "seed1",
        lambda sample_id, text: vietnamese if sample_id == "Vi2ZhLow-0003" else text,
    )
    scores = _score(root, out)
    assert scores.computed == 1
    assert scores.runs[("Vi2ZhLow/ncls/n1000/seed1", "Vi2ZhLow")].mean(0) == pytest.approx(0.9)
    monkeypatch.setattr(TargetLanguage, "version", "2")
    assert _score(root, out).computed == 3


def test_metric_names_and_rank_by_columns_are_checked_in_one_line():
    assert metric_names("lase, target_lang") == ("rouge", "lase", "target_lang")
    assert column_of("rouge2", ("rouge",)) == "rouge2" and column_of("lase", ("rouge", "lase")) == "lase"
    with pytest.raises(ClsDataError, match="--metrics: unknown bleu"):
        metric_names("rouge,bleu")
    with pytest.raises(ClsDataError, match="--rank-by bertscore: not a column of --metrics rouge,lase"):
        column_of("bertscore", ("rouge", "lase"))


def test_rank_by_rouge2_ranks_on_test_and_only_then_scores_rouge_through_the_registry(tmp_path):
    from cls_data.report.writer import ReportConfig, write_report

    for variant, skill in (("mbart-cls", 0.3), ("tflcls", 0.9)):
        make_run(tmp_path, "Vi2ZhLow", variant, 1000, 1, skill=skill, n=12)
    plain = write_report(ReportConfig(tmp_path, figures=False, cards=False, resamples=100))
    assert plain.metrics_computed == 0 and not (tmp_path / "report" / "metric_cache").exists()
    ranked = write_report(ReportConfig(tmp_path, figures=False, cards=False, resamples=100, rank_by="rouge2"))
    markdown = ranked.results_md.read_text(encoding="utf-8")
    assert ranked.metrics_computed == 2 and "Ranked by R-2" in markdown
    assert "| Vi2ZhLow | 1,000 | **tflcls** (" in markdown.split("Ranked by R-2")[1]
