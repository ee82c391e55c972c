"""The report's results.json: one row per system, dataset and train size, loadable by pandas and `datasets`."""

from __future__ import annotations

import json
import statistics

import pytest

from cls_data.report.leaderboard import FIELDS
from cls_data.report.writer import ReportConfig, write_report


@pytest.fixture(scope="module")
def report(grid, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    write_report(ReportConfig(runs=grid, out=out, resamples=100, figures=False, cards=False))
    return out


def test_one_row_per_system_dataset_and_size_with_means_and_spreads_over_seeds(report, grid):
    rows = json.loads((report / "results.json").read_text(encoding="utf-8"))
    assert all(list(row) == list(FIELDS) for row in rows)
    assert (
        len(rows) == len({(r["system"], r["dataset"], r["train_size"]) for r in rows}) == 8 * 2 * 2 - 1
    )  # one cell never ran
    row = next(r for r in rows if (r["system"], r["dataset"], r["train_size"]) == ("tflcls/hu", "En2ZhLow", 3000))
    tests = [
        json.loads((grid / "En2ZhLow/tflcls/hu/n3000" / f"seed{k}" / "metrics.json").read_text())["test"]
        for k in (1, 2)
    ]
    for metric in ("rouge1", "rouge2", "rougeL"):
        assert row[f"{metric}_mean"] == pytest.approx(statistics.mean(100 * t[metric] for t in tests), abs=1e-4)
        assert row[f"{metric}_std"] == pytest.approx(statistics.stdev(100 * t[metric] for t in tests), abs=1e-4)
    assert (row["seeds"], row["n_seeds"], row["seeds_failed"], row["tokenizer"]) == ([1, 2], 2, [], "zh")
    vals = [
        json.loads((grid / "En2ZhLow/tflcls/hu/n3000" / f"seed{k}" / "metrics.json").read_text())["best_val_rouge2"]
        for k in (1, 2)
    ]
    assert row["val_rouge2_mean"] == pytest.approx(100 * statistics.mean(vals), abs=1e-4)
    assert row["run_dirs"] == ["En2ZhLow/tflcls/hu/n3000/seed1", "En2ZhLow/tflcls/hu/n3000/seed2"]
    failed = next(r for r in rows if (r["system"], r["dataset"], r["train_size"]) == ("ncls", "Vi2ZhLow", 3000))
    assert (failed["n_seeds"], failed["seeds_failed"], failed["rouge2_mean"], failed["rank"]) == (0, [1, 2], None, None)


def test_each_column_ranks_by_test_rouge2_and_recommends_the_system_results_md_chooses_on_validation(report):
    rows = json.loads((report / "results.json").read_text(encoding="utf-8"))
    markdown = (report / "results.md").read_text(encoding="utf-8")
    for column in {(r["dataset"], r["train_size"]) for r in rows}:
        mine = [r for r in rows if (r["dataset"], r["train_size"]) == column]
        ranked = sorted((r for r in mine if r["rank"]), key=lambda r: r["rank"])
        assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
        assert [r["rouge2_mean"] for r in ranked] == sorted((r["rouge2_mean"] for r in ranked), reverse=True)
        [picked] = [r for r in mine if r["recommended"]]
        assert f"| {column[0]} | {column[1]:,} | validation | **{picked['system']}** (" in markdown
        assert picked["verdict"].startswith("chosen on validation; vs ") and all(
            r["verdict"] is None for r in mine if r is not picked
        )


def test_pandas_and_datasets_read_it_as_a_table(report):
    pandas = pytest.importorskip("pandas")
    from datasets import load_dataset

    frame = pandas.read_json(report / "results.json")
    table = load_dataset("json", data_files=str(report / "results.json"), split="train")
    assert len(frame) == table.num_rows == 31 and list(frame.columns) == list(FIELDS) == table.column_names
    best = frame[frame.recommended].set_index(["dataset", "train_size"])["system"].to_dict()
    assert best == {(r["dataset"], r["train_size"]): r["system"] for r in table if r["recommended"]}


def test_degenerate_output_counts_are_fields_mean_over_seeds_and_null_where_a_system_makes_no_such_check(tmp_path):
    from cls_data.report.leaderboard import leaderboard_rows
    from cls_data.report.runs import load_runs
    from tests.support.fake_runs import make_counted_runs

    rows = {row["system"]: row for row in leaderboard_rows(load_runs(make_counted_runs(tmp_path)))}
    counts = {
        system: tuple(row[f"{c}_mean"] for c in ("empty_predictions", "separator_missing", "wrong_language"))
        for system, row in rows.items()
    }
    assert counts == {"mclas": (3.0, 2.0, None), "llm-prompt": (0.0, None, 5.0), "mbart-cls": (0.0, None, None)}
    assert rows["mclas"]["n_test"] == 40
