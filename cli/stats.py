"""`cls-data stats`: the paper's Table-1 statistics for splits or a built dataset folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cls_data.cli.console import out

ROW_LABELS = {"text": "source document", "summary": "source summary", "cls_summary": "target (CLS) summary"}


def stats(
    inputs: Annotated[
        list[Path],
        typer.Argument(help="CLSSample JSONL files (one split each, named by file stem) or built dataset folders."),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object as the last line instead of a table.")
    ] = False,
) -> None:
    """Documents per split and average lengths (words for vi/en, characters for zh), as in Table 1."""
    from cls_data.dataset.stats import FIELDS, dataset_stats

    result = dataset_stats(inputs)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    table = Table(title="Table 1: dataset statistics")
    table.add_column("")
    for split in result:
        table.add_column(split, justify="right")
    table.add_row("documents", *(f"{s['docs']:,}" for s in result.values()))
    for name in FIELDS:
        units = {next(iter(s[name])) for s in result.values() if name in s}
        for unit in sorted(units):
            label = f"{ROW_LABELS[name]} ({'chars' if unit == 'avg_chars' else 'words'})"
            table.add_row(label, *(f"{s[name][unit]:.2f}" if unit in s.get(name, {}) else "-" for s in result.values()))
    out.print(table)
