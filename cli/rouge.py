"""`cls-data rouge`: corpus ROUGE of a prediction file against a reference file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cls_data.cli.console import out
from cls_data.cli.options import Lang


def rouge(
    pred_file: Annotated[Path, typer.Argument(help="Predicted summaries, one per line (UTF-8).")],
    ref_file: Annotated[Path, typer.Argument(help="Reference summaries, one per line, same order.")],
    lang: Annotated[
        Lang,
        typer.Option(
            "--lang",
            "-l",
            help="Tokenizer: vi syllables, zh characters, zh-words (jieba), en (rouge-score's); any other language's "
            "scheme (words, chars, clusters) is its line of docs/languages.md.",
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object as the last line instead of a table.")
    ] = False,
    per_sample: Annotated[
        Path | None, typer.Option("--per-sample", help="Also write per-pair P/R/F as JSONL here.")
    ] = None,
    paper_tokens: Annotated[
        str | None,
        typer.Option(
            "--paper-tokens",
            metavar="TOKENIZER",
            help="Score in the paper's unit instead: the rouge package (pltrdy) on this tokenizer's pieces for "
            "Chinese (the paper's: facebook/mbart-large-cc25; a folder or Hub id), on the text as is otherwise "
            "(docs/paper-fidelity.md).",
        ),
    ] = None,
) -> None:
    """Score summaries with ROUGE-1/2/L F1 (x100, mean over pairs), tokenized for their language."""
    if paper_tokens:
        from cls_data.paper_rouge import score_files_paper

        report = score_files_paper(pred_file, ref_file, lang.value, paper_tokens, per_sample=per_sample)
    else:
        from cls_data.rouge_files import score_files

        report = score_files(pred_file, ref_file, lang.value, per_sample=per_sample)
    if as_json:
        print(json.dumps(report.as_json()))
        return
    table = Table(title="ROUGE x100")
    for column in ("metric", "P", "R", "F1"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for metric, value in report.corpus().items():
        precision, recall = report.mean_precision_recall(metric)
        table.add_row(metric, f"{precision:.2f}", f"{recall:.2f}", f"[bold]{value:.2f}[/]")
    out.print(table)
    out.print(f"{report.n} pairs, tokenizer {report.tokenizer}; each column is the mean over pairs")
    for note in report.notes:
        out.print(f"note: {note}", soft_wrap=True, markup=False)
