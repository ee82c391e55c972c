import csv
import json

import pytest

from cls_data.errors import ClsDataError
from cls_data.report.bws import fleiss_kappa, score_answers
from cls_data.report.human_eval import CRITERIA, export_kit

SYSTEMS = ["tflcls", "mbart-cls", "tflcls-no-mul"]


@pytest.fixture
def kit(runs, tmp_path):
    result = export_kit(runs, tmp_path / "kit", SYSTEMS, samples=6, seed=3)
    assert (result.dataset, result.train_size, result.items) == ("Vi2ZhLow", 3000, 6)
    return tmp_path / "kit"


def _answer(kit, name, choose):
    """A rater who answers every judgement with choose(item, criterion, systems-by-letter) -> (best, worst) systems."""
    key = json.loads((kit / "key.json").read_text(encoding="utf-8"))
    path = kit / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item", "criterion", "best", "worst"])
        for item, entry in key["items"].items():
            letter = {system: label for label, system in entry["labels"].items()}
            for criterion in CRITERIA:
                best, worst = choose(item, criterion)
                writer.writerow([item, criterion, letter[best], letter[worst]])
    return path


def test_sheets_hide_which_system_wrote_what_and_shuffle_the_letters(kit):
    sheet = (kit / "sheet.csv").read_text(encoding="utf-8-sig")
    form = (kit / "form.html").read_text(encoding="utf-8")
    for name in ("tflcls", "mbart", "ncls"):
        assert name not in sheet and name not in form
    key = json.loads((kit / "key.json").read_text(encoding="utf-8"))
    assert key["systems"] == ["tflcls/tflcls/r2", "mbart-cls", "tflcls-no-mul"]
    orders = {tuple(entry["labels"].values()) for entry in key["items"].values()}
    assert len(orders) > 1
    rows = list(csv.DictReader((kit / "sheet.csv").open(encoding="utf-8-sig")))
    assert len(rows) == 6 and rows[0]["source"].startswith("từ") and set(rows[0]) >= {"A", "B", "C"}


def test_the_round_trip_reproduces_known_bws_scores(kit):
    """Two raters always rank tflcls > mbart-cls > no-mul: +1, 0, -1 on every criterion, perfect agreement."""

    def order(item, criterion):
        return ("tflcls/tflcls/r2", "tflcls-no-mul")

    result = score_answers(kit, [_answer(kit, "ana", order), _answer(kit, "bao", order)])
    for criterion in CRITERIA:
        assert result.scores[("tflcls/tflcls/r2", criterion)] == 1.0
        assert result.scores[("mbart-cls", criterion)] == 0.0
        assert result.scores[("tflcls-no-mul", criterion)] == -1.0
        assert result.agreement[criterion]["pairwise"] == 1.0
    assert result.raters == ["ana", "bao"]


def test_mixed_preferences_give_the_hand_computed_scores(kit):
    """Rater 1 as above; rater 2 prefers mbart-cls for fluency only, and picks tflcls worst there."""
    first = _answer(kit, "r1", lambda i, c: ("tflcls/tflcls/r2", "tflcls-no-mul"))
    second = _answer(
        kit,
        "r2",
        lambda i, c: ("mbart-cls", "tflcls/tflcls/r2") if c == "fluency" else ("tflcls/tflcls/r2", "tflcls-no-mul"),
    )
    result = score_answers(kit, [first, second])
    # fluency: 12 judgements; tflcls best 6, worst 6 -> 0; mbart best 6 -> +0.5; no-mul worst 6 -> -0.5
    assert result.scores[("tflcls/tflcls/r2", "fluency")] == 0.0
    assert result.scores[("mbart-cls", "fluency")] == 0.5
    assert result.scores[("tflcls-no-mul", "fluency")] == -0.5
    assert result.counts[("mbart-cls", "fluency")] == (6, 0, 12)
    assert result.agreement["fluency"]["pairwise"] == 0.0
    assert result.agreement["informativeness"]["pairwise"] == 1.0


def test_fleiss_kappa_matches_a_worked_example():
    # 4 items, 3 raters; hand computation: P_i = 1, 1/3, 1/3, 1/3 so P_bar = 1/2; p = (5, 4, 3)/12, P_e = 50/144;
    # kappa = 0.234
    ratings = [["a", "a", "a"], ["a", "b", "b"], ["b", "b", "c"], ["c", "c", "a"]]
    assert fleiss_kappa(ratings) == pytest.approx((1 / 2 - 50 / 144) / (1 - 50 / 144))
    assert fleiss_kappa([["a", "a"], ["a", "a"]]) is None


@pytest.mark.parametrize(
    "row, message",
    [
        (["999", "fluency", "A", "B"], "unknown item '999'"),
        (["001", "beauty", "A", "B"], "unknown criterion 'beauty'"),
        (["001", "fluency", "A", "A"], "best and worst are both A"),
        (["001", "fluency", "Z", "A"], "best 'Z' is not one of the letters A, B, C"),
        (["001", "fluency", "A", ""], "worst '(empty)' is not one of the letters"),
        (["001", "fluency"], "2 field(s), expected 4"),
    ],
)
def test_malformed_answers_are_reported_by_file_and_line(kit, row, message):
    path = kit / "bad.csv"
    path.write_text("item,criterion,best,worst\n001,informativeness,A,B\n" + ",".join(row) + "\n", encoding="utf-8")
    with pytest.raises(ClsDataError) as caught:
        score_answers(kit, [path])
    assert str(caught.value).startswith(f"{path}:3: ") and message in str(caught.value)


def test_an_answer_given_twice_and_a_wrong_header_are_reported(kit):
    path = kit / "twice.csv"
    path.write_text("item,criterion,best,worst\n1,fluency,A,B\n001,Fluency,B,C\n", encoding="utf-8")
    with pytest.raises(ClsDataError, match=r"twice.csv:3: item 001 fluency answered twice"):
        score_answers(kit, [path])
    path.write_text("item,best,worst\n", encoding="utf-8")
    with pytest.raises(ClsDataError, match=r"twice.csv:1: header lacks column\(s\) criterion"):
        score_answers(kit, [path])


def test_the_blank_template_is_not_mistaken_for_answers(kit):
    with pytest.raises(ClsDataError, match="no answered judgement"):
        score_answers(kit, [kit / "answers_template.csv"])


def test_export_names_the_systems_it_cannot_find(runs, tmp_path):
    with pytest.raises(ClsDataError, match="no finished runs of all of tflcls, mclas.*systems run: "):
        export_kit(runs, tmp_path, ["tflcls", "mclas"])


def test_the_reference_can_be_rated_as_one_more_anonymous_system_as_in_table_4(runs, tmp_path):
    kit = tmp_path / "kit"
    result = export_kit(runs, kit, ["tflcls", "mbart-cls", "reference"], samples=5, seed=1)
    assert result.systems == ["tflcls/tflcls/r2", "mbart-cls", "reference"]
    key = json.loads((kit / "key.json").read_text(encoding="utf-8"))
    rows = {row["item"]: row for row in csv.DictReader((kit / "sheet.csv").open(encoding="utf-8-sig"))}
    assert "reference" not in next(iter(rows.values()))  # a reference column would unmask the rated letter
    predictions = {
        json.loads(line)["id"]: json.loads(line)
        for line in (runs.root / key["run_dirs"][0] / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
    }
    for item, entry in key["items"].items():
        letter = next(label for label, system in entry["labels"].items() if system == "reference")
        assert rows[item][letter] == predictions[entry["sample_id"]]["reference"]
    scored = score_answers(kit, [_answer(kit, "ana", lambda item, criterion: ("reference", "mbart-cls"))])
    assert scored.scores[("reference", "fluency")] == 1.0 and scored.scores[("mbart-cls", "fluency")] == -1.0
