"""What `cls-data demo` shows of the metrics beyond ROUGE: the target-language rate, and LaSE with a tiny encoder."""

from __future__ import annotations

import json
from pathlib import Path

from cls_data.dataset_folder import read_split
from cls_data.report.metrics.sections import headline
from cls_data.report.metrics.tiny_encoder import TINY_LABEL, build_tiny_encoder
from cls_data.report.tables import default_system


def demo_encoder(dataset: Path, folder: Path) -> Path:
    """The tiny random sentence encoder, its vocabulary from the demo dataset's texts; built once."""
    texts = []
    for split in ("train", "validation", "test"):
        table = read_split(dataset, split, columns=["text", "cls_summary"])
        if table is not None:
            columns = table.to_pydict()
            texts += [*columns["text"], *columns["cls_summary"]]
    return build_tiny_encoder(texts, folder / "tiny-lase-encoder")


def evaluation_lines(results_json: Path) -> list[str]:
    """The CLI's lines: target-language rate and LaSE of Table 2's systems (from the report's results.json)."""
    rows = json.loads(results_json.read_text(encoding="utf-8")) if results_json.exists() else []
    systems = {row["system"] for row in rows}
    shown = {default_system(row["variant"], systems) for row in rows}
    rows = [row for row in rows if row["system"] in shown]
    lines = [
        headline(rows, "target_lang", "in the target language", "%"),
        headline(rows, "lase", f"LaSE x100 ({TINY_LABEL})"),
    ]
    return [line for line in lines if line]
