"""The paper's numbers shipped with the report, mapped to our systems, and `--compare-paper`'s section."""

import json

import pytest

from cls_data.errors import ClsDataError
from cls_data.report.compare_paper import paper_markdown
from cls_data.report.paper import PAPER_SYSTEMS, load_paper
from cls_data.report.runs import load_runs
from cls_data.report.tables import group_cells
from tests.support.fake_runs import make_run


def _rows(markdown: str, heading: str) -> list[list[str]]:
    section = markdown.split(heading, 1)[1].split("\n### ", 1)[0]
    return [
        [c.strip() for c in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| paper's") and not line.startswith("| dataset")
    ]


def test_the_paper_names_map_to_our_variants_weightings_and_r_in_one_table():
    from cls_data.benchmark.registry import WEIGHTINGS, variant_names

    assert PAPER_SYSTEMS == {
        "NCLS": "ncls",
        "NCLS+MS": "ncls-ms",
        "MCLAS": "mclas",
        "Nguyen et al.": "nguyen-kd",
        "mBART-CLS": "mbart-cls",
        "TFLCLS": "tflcls/tflcls/r2",
        "TFLCLS_base": "tflcls/sum",
        "TFLCLS_HU": "tflcls/hu",
        "TFLCLS_RHU": "tflcls/rhu",
        "Reference": "reference",
    }
    for ours in PAPER_SYSTEMS.values():
        if ours != "reference":
            variant, *rest = ours.split("/")
            assert variant in variant_names() and (not rest or rest[0] in WEIGHTINGS)


def test_the_shipped_tables_2_3_and_4_hold_every_cell_under_our_names():
    paper = load_paper()
    assert "10.3934/mbe.2024047" in paper.citation
    assert (
        len([k for k in paper.cells if k[0] == "table2"]) == 6 * 9
        and len([k for k in paper.cells if k[0] == "table3"]) == 4 * 9
    )
    assert paper.value("table2", "Vi2ZhLow", "tflcls/tflcls/r2", 5000, "rouge2") == 11.489
    assert paper.value("table2", "En2ZhLow", "nguyen-kd", 3000, "rouge1") == 25.880
    assert paper.value("table2", "Zh2EnLow", "ncls-ms", 1000, "rougeL") == 13.785
    assert paper.value("table3", "Zh2EnLow", "tflcls/hu", 1000, "rougeL") == 15.422
    assert paper.value("table3", "Vi2ZhLow", "tflcls/sum", 3000, "rouge2") == 10.259
    assert paper.human[("reference", 1000)] == {"IF": 0.851, "CC": 0.800, "FL": 0.771}
    assert paper.human[("tflcls/tflcls/r2", 5000)]["FL"] == 0.394
    assert (
        paper.abstract_gains == {"Vi2ZhLow": 18.88, "En2ZhLow": 12.71, "Zh2EnLow": 16.91}
        and paper.abstract_size == 5000
    )


def test_the_papers_stated_gains_are_tflcls_at_r2_over_mbart_cls_in_its_own_table():
    paper = load_paper()
    assert set(paper.stated_gains) == {("Vi2ZhLow", 1000), ("Vi2ZhLow", 3000), ("Vi2ZhLow", 5000)}
    for (dataset, size), stated in paper.stated_gains.items():
        computed = paper.claim_gains(dataset, size)
        assert all(abs(computed[m] - stated[m]) < 0.01 for m in stated), (dataset, size)
    for dataset, gain in paper.abstract_gains.items():
        assert abs(paper.claim_gains(dataset, 5000)["rouge2"] - gain) < 0.01


def test_an_unknown_paper_system_stops_with_one_line():
    with pytest.raises(ClsDataError, match="unknown paper system 'BART'"):
        load_paper(
            tables="table\tdataset\tsystem\ttrain_size\trouge1\trouge2\trougeL\ntable2\tVi2ZhLow\tBART\t1000\t1\t2\t3\n"
        )


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """mbart-cls at two sizes, ncls at one, tflcls at r = 1 (best by far), r = 2, and the hu weighting."""
    root = tmp_path_factory.mktemp("paper")
    make_run(root, "Vi2ZhLow", "mbart-cls", 1000, 0, 0.4)
    make_run(root, "Vi2ZhLow", "mbart-cls", 5000, 0, 0.6)
    make_run(root, "Vi2ZhLow", "ncls", 3000, 0, 0.2)
    make_run(root, "Vi2ZhLow", "tflcls", 1000, 0, 0.9, "tflcls", 1.0)
    make_run(root, "Vi2ZhLow", "tflcls", 1000, 0, 0.5, "tflcls", 2.0)
    make_run(root, "Vi2ZhLow", "tflcls", 5000, 0, 0.7, "tflcls", 2.0)
    make_run(root, "Vi2ZhLow", "tflcls", 1000, 0, 0.5, "hu")
    return load_runs(root)


def test_compare_paper_puts_the_papers_value_of_the_same_system_and_size_beside_ours(sweep):
    paper = load_paper()
    cells = group_cells(sweep.rows)
    markdown = paper_markdown(paper, sweep.rows)
    rows = _rows(markdown, "### Every cell we ran")
    names = {ours: name for name, ours in PAPER_SYSTEMS.items()}
    seen = set()
    for table, dataset, size, name, ours, _seeds, unit, *scores in rows:
        size = int(size.replace(",", ""))
        assert unit == "ours"  # no run carries the paper's unit: our own, and its Δ is said not to be comparable
        assert name.rstrip(" †") == names[ours]
        key = {"Table 2": "table2", "Table 3": "table3"}[table]
        for metric, text in zip(("rouge1", "rouge2", "rougeL"), scores, strict=False):
            mine, theirs = text.split(" (")[0].split(" / ")
            assert mine == f"{cells[(ours, dataset, size)].mean(metric):.2f}"
            assert theirs == f"{paper.value(key, dataset, ours, size, metric):.2f}"
        seen.add((key, ours, size))
    assert seen == {
        ("table2", "mbart-cls", 1000),
        ("table2", "mbart-cls", 5000),
        ("table2", "ncls", 3000),
        ("table2", "tflcls/tflcls/r2", 1000),
        ("table2", "tflcls/tflcls/r2", 5000),
        ("table3", "tflcls/hu", 1000),
    }
    assert "TFLCLS_HU †" in markdown and "random sigmas" in markdown  # not the same method under that name
    assert "`rouge` package" in markdown and "absolute gaps are not comparable" in markdown
    assert "**Recipe differs:** 7 of our 7 finished runs used preset `smoke`" in markdown


def test_the_papers_own_claim_is_tflcls_at_r2_against_mbart_cls_per_size(sweep):
    cells = group_cells(sweep.rows)
    markdown = paper_markdown(load_paper(), sweep.rows)
    rows = {(r[0], r[1]): r[2:] for r in _rows(markdown, "### The paper's own comparison")}
    assert rows[("Vi2ZhLow", "1,000")][0] == "+6.16 / +11.73 / +6.48 (stated)"
    assert rows[("En2ZhLow", "5,000")][0].split(" / ")[1] == "+12.71"
    for size in (1000, 5000):  # r = 2, not the r = 1 run that sorts first and scores best
        ours = [
            100
            * (
                cells[("tflcls/tflcls/r2", "Vi2ZhLow", size)].mean(m) / cells[("mbart-cls", "Vi2ZhLow", size)].mean(m)
                - 1
            )
            for m in ("rouge1", "rouge2", "rougeL")
        ]
        assert rows[("Vi2ZhLow", f"{size:,}")][1] == " / ".join(f"{g:+.2f}" for g in ours)
    assert rows[("Vi2ZhLow", "3,000")][1] == "not run"
    assert "at n = 5,000" in markdown and "train size not stated" not in markdown


def test_table_4_is_shown_with_the_kit_command_that_rates_the_reference(sweep):
    markdown = paper_markdown(load_paper(), sweep.rows)
    reference = next(r for r in _rows(markdown, "### Table 4") if r[0] == "Reference")
    assert reference[1:5] == ["reference", "+0.851", "+0.800", "+0.771"]
    assert "--systems ncls,ncls-ms,mclas,nguyen-kd,tflcls/tflcls/r2,reference" in markdown


def test_custom_paper_data_reads_json_meta_and_tsv_tables():
    paper = load_paper(
        json.dumps({"citation": {"text": "Zhang et al. 2024"}}),
        "table\tdataset\tsystem\ttrain_size\trouge1\trouge2\trougeL\ntable2\tVi2ZhLow\tMCLAS\t1000\t1\t2\t3\n",
        "system\n",
    )
    assert paper.cells == {("table2", "Vi2ZhLow", "mclas", 1000): {"rouge1": 1.0, "rouge2": 2.0, "rougeL": 3.0}}
    assert paper.claim_gains("Vi2ZhLow", 1000) is None


def test_our_gain_over_a_baseline_that_scores_zero_says_so_instead_of_a_blank_cell(tmp_path):
    make_run(
        tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 0, 0.0, metrics={"test": {"rouge1": 0.1, "rouge2": 0.0, "rougeL": 0.1}}
    )
    make_run(
        tmp_path,
        "Vi2ZhLow",
        "tflcls",
        1000,
        0,
        0.5,
        "tflcls",
        2.0,
        metrics={"test": {"rouge1": 0.2, "rouge2": 0.05, "rougeL": 0.15}},
    )
    markdown = paper_markdown(load_paper(), load_runs(tmp_path).rows)
    rows = {(r[0], r[1]): r[2:] for r in _rows(markdown, "### The paper's own comparison")}
    assert rows[("Vi2ZhLow", "1,000")][1] == "+100.00 / n/a / +50.00 (n/a: mbart-cls scores 0)"
