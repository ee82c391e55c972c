"""`--compare-paper` says what the two columns measure: the ROUGE unit, the data, the test weights, the differences."""

import json

from cls_data.dataset.release import ReleaseConfig, build_release
from cls_data.dataset_folder import read_split
from cls_data.report.writer import ReportConfig, write_report, write_results
from tests.support.fake_runs import make_run
from tests.support.release_csv import write_release


def _set(folder, config=None, metrics=None):
    for name, extra in (("config.json", config), ("metrics.json", metrics)):
        data = json.loads((folder / name).read_text())
        (folder / name).write_text(json.dumps({**data, **(extra or {})}))


def _use_test_ids(root, ids):
    """Give every fake run under `root` the dataset's own test ids, as real runs have (the report verifies them)."""
    for path in root.rglob("predictions.jsonl"):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        path.write_text(
            "".join(
                json.dumps({**row, "id": new}, ensure_ascii=False) + "\n" for row, new in zip(rows, ids, strict=True)
            ),
            encoding="utf-8",
        )


def _grid(root, paper_unit: bool, test_weights: str):
    """mbart-cls and tflcls at n = 1,000 (two seeds each) and ncls, as a smoke grid leaves them."""
    for variant, weighting, r in (("mbart-cls", None, None), ("tflcls", "tflcls", 2.0), ("ncls", None, None)):
        for seed in (0, 1):
            run = make_run(root, "Vi2ZhLow", variant, 1000, seed, 0.5, weighting, r)
            paper = {
                "paper_rouge": {
                    "rouge1": 0.41,
                    "rouge2": 0.2,
                    "rougeL": 0.33,
                    "refused": 0,
                    "unit": "paper: rouge (pltrdy) F1 on facebook/mbart-large-cc25 pieces",
                }
            }
            _set(
                run,
                {
                    "preset": "paper",
                    "preset_validated": True,
                    "preset_faithful": variant != "ncls",
                    "test_weights": test_weights,
                },
                paper if paper_unit else None,
            )


def test_compare_paper_in_the_papers_unit_on_the_papers_release_with_last_weights(tmp_path):
    write_release(tmp_path / "csv", sizes=(1100, 50, 50), two_targets=False)
    build_release(ReleaseConfig(release=tmp_path / "csv", out=tmp_path / "RUNS" / "data"))  # where the runs name it
    _grid(tmp_path / "RUNS", paper_unit=True, test_weights="last")
    test = read_split(tmp_path / "RUNS" / "data" / "Vi2ZhLow", "test", columns=["id"])
    _use_test_ids(tmp_path / "RUNS", [str(value) for value in test.column("id").to_pylist()[:40]])
    write_report(ReportConfig(runs=tmp_path / "RUNS", compare_paper=True, figures=False, cards=False))
    text = (tmp_path / "RUNS" / "report" / "results.md").read_text()
    section = text[text.index("### What the two columns measure") : text.index("### Every cell we ran")]
    assert "ours is shown in the paper's unit (paper: rouge (pltrdy) F1 on facebook/mbart-large-cc25 pieces)" in section
    assert "the paper's released splits" in section and "(6 runs)" in section
    assert "the last epoch's, as the paper's code tested (6 runs)" in section
    assert "Differences that apply" in section and "numerics:" in section and "TFLCLS's second decoder" in section
    cells = text[text.index("### Every cell we ran") :]
    assert "| Table 2 | Vi2ZhLow | 1,000 | mBART-CLS | mbart-cls | 2 | paper | 41.00 /" in cells
    claim = text[text.index("### The paper's own comparison") :]
    assert "| Vi2ZhLow | 1,000 | +6.16 / +11.73 / +6.48 (stated) | +0.00 / +0.00 / +0.00 |" in claim  # paper unit
    board = json.loads((tmp_path / "RUNS" / "report" / "results.json").read_text())
    statuses = {row["system"]: (row["preset"], row["preset_status"], row["test_weights"]) for row in board}
    assert statuses["mbart-cls"] == ("paper", "faithful", "last")
    assert statuses["ncls"] == ("paper", "no paper recipe", "last")
    assert {row["paper_rouge2_mean"] for row in board} == {20.0}


def test_compare_paper_without_the_papers_unit_says_gaps_are_not_comparable_and_the_test_set_differs(tmp_path):
    from tests.support.cls_dataset import build_cls_dataset

    built = build_cls_dataset(
        tmp_path / "RUNS" / "data", train=12, validation=4, test=40, subsets=(4,), seed=3, text_words=12
    )
    assert built.name == "Vi2ZhLow"
    _grid(tmp_path / "RUNS", paper_unit=False, test_weights="best")
    test = read_split(tmp_path / "RUNS" / "data" / "Vi2ZhLow", "test", columns=["id"])
    _use_test_ids(tmp_path / "RUNS", [str(value) for value in test.column("id").to_pylist()])
    write_report(ReportConfig(runs=tmp_path / "RUNS", compare_paper=True, figures=False, cards=False))
    text = (tmp_path / "RUNS" / "report" / "results.md").read_text()
    assert "**ROUGE unit: absolute gaps are not comparable.**" in text
    assert "**another test set than the paper's**" in text and "the best validation epoch's (6 runs)" in text
    assert "| 2 | ours | " in text


def test_runs_results_md_and_json_carry_the_preset_and_its_status(tmp_path):
    _grid(tmp_path, paper_unit=False, test_weights="best")
    run = make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 3000, 0, 0.5)
    _set(run, {"preset": "fast", "preset_validated": False, "preset_faithful": False, "test_weights": "best"})
    rows = write_results(tmp_path)
    assert {(r["variant"], r["preset"], r["preset_status"]) for r in rows} == {
        ("mbart-cls", "paper", "faithful"),
        ("tflcls", "paper", "faithful"),
        ("ncls", "paper", "no paper recipe"),
        ("mbart-cls", "fast", "unvalidated"),
    }
    text = (tmp_path / "results.md").read_text()
    assert "- `fast`, `mbart-cls` (1 run): **changes the optimisation and is unvalidated**" in text
    assert "- `paper`, `ncls` (2 runs): a system the paper gives no training recipe for" in text


def test_model_cards_state_the_recipe_status_and_the_test_weights(tmp_path):
    from cls_data.report.cards import write_model_cards
    from cls_data.report.runs import load_runs

    _grid(tmp_path, paper_unit=False, test_weights="last")
    cards = write_model_cards(load_runs(tmp_path), tmp_path / "cards")
    text = {path.relative_to(tmp_path / "cards").parts[1]: path.read_text() for path in cards.paths}
    assert "preset `paper`: the paper's recipe; the last epoch's weights" in text["mbart-cls"]
    assert "preset `paper`: not the paper's recipe, which the paper gives only for mBART-CLS and TFLCLS" in text["ncls"]
