"""`cls-data score RUNS --on FOLDER`: decode every finished run on another dataset's test split (e.g. CrossSum)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cls_data.cli.console import err, out


def score(
    runs: Annotated[Path, typer.Argument(help="The --out folder of `cls-data benchmark`.")],
    on: Annotated[
        str,
        typer.Option(
            "--on",
            help="A built dataset folder (e.g. from `cls-data build crosssum`) or Hub id whose test split to decode.",
        ),
    ],
) -> None:
    """Decode every finished run's best model on FOLDER's test split; `cls-data report RUNS` then shows both."""
    from cls_data.benchmark.rescore import rescore

    result = rescore(runs, on, on_progress=lambda m: err.print(f"[dim]{escape(m)}…[/]", soft_wrap=True))
    out.print(
        f"{len(result.scored)} runs decoded on {result.dataset}, {len(result.skipped)} already scored, "
        f"{len(result.failed)} failed",
        soft_wrap=True,
        markup=False,
    )
    for run_dir, reason in result.failed.items():
        err.print(f"failed {run_dir}: {reason}", soft_wrap=True, markup=False)
    for note in result.notes:
        err.print(f"note: {note}", soft_wrap=True, markup=False)
    if result.scored or result.skipped:
        out.print(f"next: cls-data report {runs}", soft_wrap=True, markup=False)
