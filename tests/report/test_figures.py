import json

from cls_data.report import figures
from cls_data.report.tables import group_cells

PNG = b"\x89PNG\r\n\x1a\n"


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_figure4_and_figure5_are_written_as_readable_pngs(runs, tmp_path):
    cells = group_cells(runs.rows)
    ablation = figures.ablation_figure(cells, "Vi2ZhLow", [1000, 3000], tmp_path / "fig4.png")
    sweep = figures.rsweep_figure(cells, "Vi2ZhLow", [1000, 3000], tmp_path / "fig5.png")
    for path in (ablation, sweep):
        width, height = _png_size(path)
        assert width >= 1200 and height >= 400  # three panels side by side, legible at a glance
    assert not list(tmp_path.glob("*.tmp.png"))


def test_figures_with_nothing_to_compare_are_skipped(runs, tmp_path):
    only_mbart = {k: v for k, v in group_cells(runs.rows).items() if k[0] == "mbart-cls"}
    assert figures.ablation_figure(only_mbart, "Vi2ZhLow", [1000], tmp_path / "a.png") is None
    assert figures.rsweep_figure(only_mbart, "Vi2ZhLow", [1000], tmp_path / "b.png") is None
    assert not list(tmp_path.iterdir())


def test_learning_curves_lay_stages_end_to_end_and_cope_without_weights(tmp_path):
    log = tmp_path / "train_log.jsonl"
    records = []
    for stage, epochs in (("translation", 2), ("joint", 2)):
        for epoch in range(1, epochs + 1):
            records.append(
                {
                    "kind": "step",
                    "stage": stage,
                    "epoch": epoch,
                    "step": epoch,
                    "lr": 1e-5,
                    "losses": {"total": 1.0 / epoch},
                    "weights": {},
                }
            )
            records.append(
                {
                    "kind": "epoch",
                    "stage": stage,
                    "epoch": epoch,
                    "step": epoch,
                    "lr": 1e-5,
                    "losses": {"total": 1.0},
                    "weights": {"c": 1.0 + epoch} if stage == "joint" else {},
                    "val": {"rouge2": 0.1 * epoch},
                    "seconds": 1,
                }
            )
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    path = figures.learning_curves(log, "a run", tmp_path / "curves.png")
    assert _png_size(path)[0] > 1000
    assert figures.learning_curves(tmp_path / "absent.jsonl", "x", tmp_path / "none.png") is None
