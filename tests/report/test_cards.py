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
