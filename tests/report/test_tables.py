import json
import re
import statistics

from cls_data.report.paper import load_paper
from cls_data.report.tables import build_results_markdown, group_cells, render_table, table2_spec


def _table_block(markdown: str, title: str, dataset: str) -> list[str]:
    """The Markdown rows of one dataset's block in one table."""
    section = markdown.split(f"### {title}", 1)[1].split("\n### ", 1)[0]
    block = section.split(f"**{dataset}**", 1)[1].split("\n\n", 2)[1]
    return block.splitlines()


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_table2_has_a_block_per_dataset_with_size_by_metric_columns(runs):
    markdown = build_results_markdown(runs.rows)
    lines = _table_block(markdown, "Table 2", "Vi2ZhLow")
    assert _cells(lines[0]) == [
        "model",
        "n=1,000 R-1",
        "n=1,000 R-2",
        "n=1,000 R-L",
        "n=3,000 R-1",
        "n=3,000 R-2",
        "n=3,000 R-L",
    ]
    labels = [_cells(line)[0] for line in lines[2:]]
    assert labels == ["ncls", "mbart-cls", "tflcls-no-tra (tflcls/r2)", "tflcls-no-mul", "tflcls (tflcls/r2)"]
    assert "**En2ZhLow**" in markdown and "tokenizer zh" in markdown


def test_cells_are_mean_and_sample_std_over_seeds_x100(runs):
    rows = [r for r in runs.done() if r.system == "mbart-cls" and r.dataset == "Vi2ZhLow" and r.train_size == 1000]
    values = [100 * r.rouge2 for r in rows]
    expected = f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"
    line = next(
        row
        for row in _table_block(build_results_markdown(runs.rows), "Table 2", "Vi2ZhLow")
        if row.startswith("| mbart-cls")
    )
    assert _cells(line)[2] == expected


def test_the_best_of_each_column_and_only_it_is_bold(runs):
    lines = _table_block(build_results_markdown(runs.rows), "Table 2", "Vi2ZhLow")[2:]
    for column in range(1, 7):
        bold = [_cells(line)[0] for line in lines if _cells(line)[column].startswith("**")]
        assert bold == ["tflcls (tflcls/r2)"]


def test_a_tie_for_the_best_is_bold_nowhere(tmp_path):
    """Every 0.00 cell was bold "best": a column whose best is shared (as shown, 2 decimals) has no bold at all."""
    from cls_data.report.runs import load_runs
    from tests.support.fake_runs import make_run

    zero = {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
    for variant in ("ncls", "mbart-cls", "tflcls-no-mul"):
        make_run(tmp_path, "Vi2ZhLow", variant, 1000, 1, 0.5, metrics={"test": zero})
    make_run(tmp_path, "Vi2ZhLow", "mclas", 1000, 1, 0.5, metrics={"test": {**zero, "rouge1": 0.12344}})
    make_run(tmp_path, "Vi2ZhLow", "nguyen-kd", 1000, 1, 0.5, metrics={"test": {**zero, "rouge1": 0.12341}})
    markdown = build_results_markdown(load_runs(tmp_path).rows)
    assert "**" not in "\n".join(_table_block(markdown, "Table 2", "Vi2ZhLow"))  # R-1 ties at 12.34, R-2 and R-L at 0
    assert "Bold: the one best in its column (none where the best ties)" in markdown


def test_failed_and_missing_cells_say_so(runs):
    markdown = build_results_markdown(runs.rows)
    vi = next(row for row in _table_block(markdown, "Table 2", "Vi2ZhLow") if row.startswith("| ncls"))
    assert _cells(vi)[4:] == ["failed"] * 3
    en = next(row for row in _table_block(markdown, "Table 2", "En2ZhLow") if row.startswith("| ncls"))
    assert _cells(en)[1:4] == ["missing"] * 3
    assert "`Vi2ZhLow/ncls/n3000/seed1` | CUDA out of memory" in markdown


def test_a_cell_with_some_seeds_failed_shows_the_survivors_and_counts(tmp_path):
    from cls_data.report.runs import load_runs
    from tests.support.fake_runs import make_failed, make_run

    for seed in (1, 2):
        make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, seed, skill=0.5)
        make_run(tmp_path, "Vi2ZhLow", "ncls", 1000, seed, skill=0.2)
    make_run(tmp_path, "Vi2ZhLow", "ncls", 3000, 1, skill=0.2)
    make_failed(tmp_path, "Vi2ZhLow", "ncls", 3000, 2)
    line = next(
        row for row in build_results_markdown(load_runs(tmp_path).rows).splitlines() if row.startswith("| ncls")
    )
    assert re.search(r"\| \d+\.\d\d \(1 seed, 1 failed\) \|", line)


def test_table3_lists_each_weighting_and_the_r_sweep_each_r(runs):
    markdown = build_results_markdown(runs.rows)
    labels = [_cells(row)[0] for row in _table_block(markdown, "Table 3", "Vi2ZhLow")[2:]]
    assert labels == ["sum", "hu", "tflcls/r2"]
    labels = [_cells(row)[0] for row in _table_block(markdown, "Figure 5 data", "Vi2ZhLow")[2:]]
    assert labels == ["r = 2", "r = 2.5"]
    assert "- hu is Kendall et al.'s HU (log sigma^2 learned); the paper's code drew new random sigmas" in markdown


def test_results_json_dicts_give_the_same_tables_as_run_rows(runs):
    import dataclasses

    dicts = [json.loads(json.dumps(dataclasses.asdict(row))) for row in runs.rows]
    assert build_results_markdown(dicts) == build_results_markdown(runs.rows)


def test_compare_paper_puts_published_numbers_and_differences_beside_ours(runs):
    paper = load_paper(
        json.dumps({"citation": {"text": "Zhang et al. 2024"}}),
        "table\tdataset\tsystem\ttrain_size\trouge1\trouge2\trougeL\n"
        "table2\tVi2ZhLow\tmBART-CLS\t1000\t30.0\t10.0\t25.0\n",
        "system\n",
    )
    cells = group_cells(runs.rows)
    markdown = render_table(table2_spec(runs.rows), cells, paper)
    mbart = next(row for row in markdown.splitlines() if row.startswith("| mbart-cls"))
    mean = cells[("mbart-cls", "Vi2ZhLow", 1000)].mean("rouge2")
    assert f"/ paper 10.00 (Δ {mean - 10.0:+.2f})" in _cells(mbart)[2]
    assert _cells(mbart)[5].endswith("/ paper n/a")
    ncls = next(row for row in markdown.splitlines() if row.startswith("| ncls "))
    assert "paper" not in ncls  # a system the paper has no cell for carries no "paper n/a" noise


def test_the_r_sweep_marks_cells_beyond_figure_5_as_additions_and_names_the_r_validation_picks(tmp_path):
    from cls_data.report.runs import load_runs
    from cls_data.report.tables import rsweep_spec
    from tests.support.fake_runs import make_run

    for dataset, size in (("Vi2ZhLow", 5000), ("Vi2ZhLow", 1000), ("En2ZhLow", 5000)):
        for r, skill in ((2.0, 0.6), (2.5, 0.5)):
            folder = make_run(tmp_path, dataset, "tflcls", size, 0, skill, "tflcls", r)
            metrics = json.loads((folder / "metrics.json").read_text())
            metrics["best_val_rouge2"] = 0.3 if r == 2.5 else 0.2  # validation prefers 2.5, test prefers 2
            (folder / "metrics.json").write_text(json.dumps(metrics))
    make_run(tmp_path, "Zh2EnLow", "tflcls", 1000, 0, 0.5, "tflcls", 2.0)  # Table 2's run, no sweep here
    spec = rsweep_spec(load_runs(tmp_path).rows)
    assert spec.columns == [("Vi2ZhLow", 1000), ("Vi2ZhLow", 5000), ("En2ZhLow", 5000)]
    notes = spec.notes
    assert any("Figure 5 swept r = 1.0-3.5 on Vi2ZhLow at n = 5,000" in note for note in notes)
    assert "Additions beyond the paper's Figure 5: Vi2ZhLow n=1,000, En2ZhLow n=5,000." in notes
    assert "Vi2ZhLow n=5,000: r = 2.5 has the best validation R-2 (30.00); the recommendation uses that r." in notes
    table2 = table2_spec(load_runs(tmp_path).rows).notes
    assert (
        "tflcls (tflcls/r2): r = 2, the paper's default, whatever r validation prefers; \"Which model should I "
        'train?" chooses r on validation and says which (every r: the Figure 5 table).'
    ) in table2


def test_scores_on_other_datasets_get_their_own_table(tmp_path):
    from cls_data.report.runs import load_runs
    from tests.support.fake_runs import make_run

    folder = make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 1, skill=0.5)
    metrics = json.loads((folder / "metrics.json").read_text())
    metrics["eval_on"] = {"En2ZhLow": {"rouge1": 0.3, "rouge2": 0.1, "rougeL": 0.25, "tokenizer": "zh", "n_test": 10}}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    markdown = build_results_markdown(load_runs(tmp_path).rows)
    assert "| Vi2ZhLow | En2ZhLow | mbart-cls | 1,000 | 1 | 30.00 | 10.00 | 25.00 | zh |" in markdown
    assert "**En2ZhLow**" not in markdown  # not a column of Table 2


def test_degenerate_outputs_are_counted_per_system_where_any_count_is_above_zero(tmp_path):
    from cls_data.report.runs import load_runs
    from cls_data.report.writer import write_results
    from tests.support.fake_runs import make_counted_runs

    markdown = build_results_markdown(load_runs(make_counted_runs(tmp_path)).rows)
    section = markdown.split("### Degenerate test outputs", 1)[1].split("\n### ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| Vi2ZhLow")]
    assert lines == [
        "| Vi2ZhLow | 1,000 | mclas | 2 | 40 | 3 (7.5%) | 2 (5.0%) | — |",
        "| Vi2ZhLow | 1,000 | llm-prompt | 1 | 40 | 0 (0.0%) | — | 5 (12.5%) |",
    ]  # mbart-cls: nothing to count
    assert "| dataset | n | model | seeds | n_test | empty | no separator | not in the target language |" in section
    assert "mean over the seeds that finished" in section
    write_results(tmp_path)  # RUNS/results.json rows carry the counts, so its results.md has them too
    assert "| mclas | 2 | 40 | 3 (7.5%)" in (tmp_path / "results.md").read_text(encoding="utf-8")


def test_no_degenerate_section_when_every_count_is_zero(runs):
    assert "Degenerate test outputs" not in build_results_markdown(runs.rows)
