"""LLM rows in the report: marked additions in Table 2, costed in the recommendation, bootstrapped, in the case study
and cards."""

from __future__ import annotations

import json

import pytest

from tests.support.fake_runs import make_dataset, make_run


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    root = tmp_path_factory.mktemp("RUNS")
    make_dataset(root, "Vi2ZhLow", 40)
    for variant, skill, weighting, r in (
        ("mbart-cls", 0.5, None, None),
        ("tflcls", 0.55, "tflcls", 2.0),
        ("llm-prompt", 0.3, None, None),
        ("llm-lora", 0.7, None, None),
    ):
        make_run(root, "Vi2ZhLow", variant, 1000, 1, skill, weighting, r)
    prompt = root / "Vi2ZhLow" / "llm-prompt" / "n1000" / "seed1"
    (prompt / "model").rmdir()  # nothing trained, no weights
    metrics = json.loads((prompt / "metrics.json").read_text())
    (prompt / "metrics.json").write_text(
        json.dumps({**metrics, "train_seconds": 0, "best_epoch": None, "wrong_language": 3})
    )
    (root / "Vi2ZhLow" / "llm-lora" / "n1000" / "seed1" / "model" / "adapter_config.json").write_text("{}")
    tflcls = root / "Vi2ZhLow" / "tflcls" / "tflcls" / "r2" / "n1000" / "seed1"
    config = json.loads((tflcls / "config.json").read_text())
    config["model"]["spec"] = {
        "stages": [{"name": "translation", "shared": "stage1-translation"}, {"name": "joint", "shared": None}]
    }
    (tflcls / "config.json").write_text(json.dumps(config))
    stage1 = root / "Vi2ZhLow" / "stage1-translation" / "n1000" / "seed1"
    stage1.mkdir(parents=True)
    (stage1 / "metrics.json").write_text(json.dumps({"best_epoch": 1, "train_seconds": 3600.0}))
    (stage1 / "config.json").write_text(
        json.dumps({"variant": "stage1-translation", "dataset": "Vi2ZhLow", "train_size": 1000, "seed": 1})
    )
    return root


@pytest.fixture(scope="module")
def report(grid):
    from cls_data.report.writer import ReportConfig, write_report

    result = write_report(ReportConfig(runs=grid, figures=False, resamples=200))
    return result, result.results_md.read_text(encoding="utf-8")


def test_llm_rows_sit_in_table_2_marked_as_additions(report):
    _, text = report
    assert "| llm-lora † |" in text and "| llm-prompt † |" in text and "| mbart-cls |" in text
    assert "† an addition: not one of the paper's systems" in text


def test_the_recommendation_names_the_cost_beside_the_score(report):
    result, text = report
    assert "| its test R-2 | cost | runner-up (validation R-2; test R-2; cost) |" in text
    assert "| validation | **llm-lora** (" in text
    assert any(
        line.startswith("Vi2ZhLow n=1000: llm-lora (chosen on validation")
        and "; plan: 2.2 s of one H100; measured 16 s (machine load not recorded))" in line
        for line in result.answer
    )  # the smoke preset's price (fake runs say smoke); 15.5 s of fake timings


def test_the_cost_is_plan_priced_and_the_measured_time_carries_its_machine_load(grid, tmp_path):
    """The same run measured 52 s, 3 s or 1.2 s on a loaded CPU: the price is the plan's, the time with its load."""
    from cls_data.report.cost import format_hours, planned_hours, system_cost
    from cls_data.report.runs import load_runs

    runs = load_runs(grid)
    rows = {row.variant: row for row in runs.done() if row.in_domain}
    tflcls, mbart = planned_hours(runs, rows["tflcls"]), planned_hours(runs, rows["mbart-cls"])
    assert tflcls > mbart > 0  # stage 1 and the joint stage's second decoder are priced in
    folder = runs.run_path(rows["mbart-cls"])
    metrics = json.loads((folder / "metrics.json").read_text())
    machine = {"device": "cpu", "cpus": 2, "torch_threads": 1, "load_avg": [7.9, 6.5, 4.0]}
    (folder / "metrics.json").write_text(json.dumps({**metrics, "machine": machine}))
    try:
        assert system_cost(runs, [rows["mbart-cls"]]) == (
            f"plan: {format_hours(mbart)} of one H100; measured 16 s (cpu, load 7.9/6.5/4 on 2 CPUs)"
        )
    finally:
        (folder / "metrics.json").write_text(json.dumps(metrics))


def test_each_llm_is_bootstrapped_against_the_paper_method_and_mbart(report):
    _, text = report
    section = text.split("## Significance", 1)[1]
    for pair in (
        "| llm-lora | tflcls/tflcls/r2 |",
        "| llm-lora | mbart-cls |",
        "| llm-prompt | tflcls/tflcls/r2 |",
        "| tflcls/tflcls/r2 | mbart-cls |",
    ):
        assert pair in section


def test_the_case_study_and_cards_show_the_llm_systems(report, grid):
    result, _ = report
    page = result.case_study.read_text(encoding="utf-8")
    assert "llm-prompt" in page and "llm-lora" in page
    cards = result.out / "model_cards" / "Vi2ZhLow"
    prompt = (cards / "llm-prompt" / "n1000" / "seed1" / "README.md").read_text(encoding="utf-8")
    lora = (cards / "llm-lora" / "n1000" / "seed1" / "README.md").read_text(encoding="utf-8")
    assert "Nothing was trained" in prompt and "3 test answers were not in Chinese" in prompt
    assert "AutoPeftModelForCausalLM.from_pretrained" in lora and "AutoModelForSeq2SeqLM" not in lora
    assert "library_name: peft" in lora.split("---")[1] and "library_name" not in prompt.split("---")[1]


def test_wrong_language_answers_are_counted_in_results_md_and_the_reports_results_json(report):
    result, text = report
    assert (
        "| Vi2ZhLow | 1,000 | llm-prompt | 1 | 40 | 0 (0.0%) | — | 3 (7.5%) |"
        in text.split("### Degenerate test outputs", 1)[1]
    )
    rows = {row["system"]: row for row in json.loads((result.out / "results.json").read_text(encoding="utf-8"))}
    assert (rows["llm-prompt"]["wrong_language_mean"], rows["llm-prompt"]["empty_predictions_mean"]) == (3.0, 0.0)
    assert rows["tflcls/tflcls/r2"]["wrong_language_mean"] is None


def test_a_run_costs_its_shared_stage_1_too(grid):
    from cls_data.report.cost import format_hours, run_hours
    from cls_data.report.runs import load_runs

    runs = load_runs(grid)
    rows = {row.variant: row for row in runs.done() if row.in_domain}
    assert run_hours(runs, rows["tflcls"]) == pytest.approx((3600 + 12.5 + 3.0) / 3600)
    assert run_hours(runs, rows["mbart-cls"]) == pytest.approx(15.5 / 3600)
    assert [format_hours(h) for h in (1.004, 0.05, 15 / 3600, 0.4 / 3600, None)] == [
        "1.00 h",
        "3.0 min",
        "15 s",
        "0.4 s",
        "n/a",
    ]
