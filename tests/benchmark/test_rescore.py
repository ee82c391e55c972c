"""`cls-data score RUNS --on FOLDER`: finished runs decoded on CrossSum (a fixture in its released format)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from cls_data.benchmark.context import RunContext, RunSpec  # noqa: E402
from cls_data.benchmark.rescore import rescore  # noqa: E402
from cls_data.benchmark.runs import run_or_record  # noqa: E402
from cls_data.dataset.crosssum import build_crosssum  # noqa: E402
from cls_data.errors import ClsDataError  # noqa: E402
from tests.benchmark.conftest import TINY_PRESET  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "crosssum"
NAME = "CrossSum-vi2zh"


@pytest.fixture(scope="module")
def crosssum(tmp_path_factory) -> Path:
    return build_crosssum(str(FIXTURE), "vi-zh", tmp_path_factory.mktemp("external")).folder


@pytest.mark.slow  # two tiny runs trained, then decoded again (~20 s on a loaded 2-core machine)
def test_rescoring_a_finished_run_gives_what_the_benchmark_decoded_and_then_resumes(tmp_path, dataset_dir, crosssum):
    from cls_data.report.writer import ReportConfig, write_report

    out = tmp_path / "RUNS"
    ctx = RunContext(out=out, preset=TINY_PRESET, eval_on=(str(crosssum),))  # --extra-test during the grid
    for variant in ("mbart-cls", "tflcls-no-mul"):
        assert run_or_record(RunSpec(str(dataset_dir), "Vi2ZhLow", variant, None, None, 8, 0), ctx) == ("done", None)
    runs = [out / "Vi2ZhLow" / v / "n8" / "seed0" for v in ("mbart-cls", "tflcls-no-mul")]
    during = [(run / f"predictions.{NAME}.jsonl").read_text(encoding="utf-8") for run in runs]
    result = rescore(out, str(crosssum), preset=TINY_PRESET)
    assert (
        sorted(result.scored) == ["Vi2ZhLow/mbart-cls/n8/seed0", "Vi2ZhLow/tflcls-no-mul/n8/seed0"]
        and not result.failed
    )
    assert [
        (run / f"predictions.{NAME}.jsonl").read_text(encoding="utf-8") for run in runs
    ] == during  # same model, same decoding
    metrics = json.loads((runs[0] / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["eval_on"][NAME]["n_test"] == 3 and metrics["eval_on"][NAME]["tokenizer"] == "zh"
    listed = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert sorted(row["eval_dataset"] for row in listed) == ["CrossSum-vi2zh", "CrossSum-vi2zh", "Vi2ZhLow", "Vi2ZhLow"]
    again = rescore(out, str(crosssum), preset=TINY_PRESET)
    assert again.scored == [] and len(again.skipped) == 2
    markdown = write_report(ReportConfig(out, figures=False, cards=False, resamples=100)).results_md.read_text(
        encoding="utf-8"
    )
    section = markdown.split("## In-domain and external test sets")[1]
    assert f"**Vi2ZhLow n=8 vs {NAME}**" in section and f"R-2 Vi2ZhLow | R-2 {NAME}" in section
    assert "Rank correlation (Kendall's tau-b): R-2" in section and "(n=2)" in section


def test_a_runs_folder_without_finished_runs_is_one_line(tmp_path, crosssum):
    (tmp_path / "RUNS").mkdir()
    with pytest.raises(ClsDataError, match="no finished runs to score"):
        rescore(tmp_path / "RUNS", str(crosssum))
