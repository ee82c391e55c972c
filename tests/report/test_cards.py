import yaml

from cls_data.report.cards import write_model_cards


def test_every_finished_run_gets_a_card_with_metrics_tokenizer_recipe_and_limitations(runs, tmp_path):
    result = write_model_cards(runs, tmp_path)
    assert len(result.paths) == len(runs.done())
    row = next(r for r in runs.done() if r.system == "tflcls/tflcls/r2" and r.dataset == "En2ZhLow")
    card = (tmp_path / row.run_dir / "README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(card.split("---")[1])
    assert front["datasets"] == ["En2ZhLow"] and front["language"] == ["vi", "zh"]
    assert f"| En2ZhLow | {100 * row.rouge1:.2f} | {100 * row.rouge2:.2f} | {100 * row.rougeL:.2f} | zh |" in card
    assert "variant **`tflcls`** with loss weighting **`tflcls`** (r = 2)" in card
    assert "| train.lr | `2.5e-05` |" in card and "num_beams=4" in card
    assert "machine translations" in card and "doi = {10.3934/mbe.2024047}" in card
    assert not (runs.run_path(row) / "README.md").exists()  # run folders are only read
    assert "preset `smoke`: it changes the paper's optimisation and is unvalidated" in card  # fake runs say smoke


def test_a_paper_preset_card_carries_no_unvalidated_label(tmp_path):
    import json

    from cls_data.report.runs import load_runs
    from tests.support.fake_runs import make_run

    folder = make_run(tmp_path / "runs", "Vi2ZhLow", "mbart-cls", 1000, 0, 0.5)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "preset": "paper"}))
    write_model_cards(load_runs(tmp_path / "runs"), tmp_path / "cards")
    card = (tmp_path / "cards/Vi2ZhLow/mbart-cls/n1000/seed0/README.md").read_text()
    assert "preset `paper`)." in card and "unvalidated" not in card


def test_the_usage_snippet_appears_only_for_weights_transformers_can_load(tmp_path):
    from cls_data.report.runs import load_runs
    from tests.support.fake_runs import make_run

    mbart = make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 1, skill=0.5)
    (mbart / "model" / "config.json").write_text('{"model_type": "mbart"}')
    make_run(tmp_path, "Vi2ZhLow", "mclas", 1000, 1, skill=0.5)
    write_model_cards(load_runs(tmp_path), tmp_path / "cards")
    assert "AutoModelForSeq2SeqLM" in (tmp_path / "cards/Vi2ZhLow/mbart-cls/n1000/seed1/README.md").read_text()
    mclas = (tmp_path / "cards/Vi2ZhLow/mclas/n1000/seed1/README.md").read_text()
    assert "AutoModelForSeq2SeqLM" not in mclas and "load them\nwith `cls_data.benchmark`" in mclas
