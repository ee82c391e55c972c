"""`cls-data demo`: the whole pipeline, offline, on the bundled sample; ends with where everything is."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cls_data.cli.console import err, out


def demo(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for every artefact; a rerun into it reuses what is done.")] = Path("cls-data-demo"),
) -> None:
    """Crawl a bundled sample of news pages from 127.0.0.1, filter it, build the dataset (offline, well under a minute)."""
    from cls_data.demo import run_demo

    with _StageBars() as bars:
        result = run_demo(out_dir, on_progress=bars.update)
    table = Table(title=f"cls-data demo · {result.seconds['total']:.1f}s", title_justify="left")
    table.add_column("artefact")
    table.add_column("where")
    for what, path in result.artefacts():
        table.add_row(what, escape(_short(path)))
    out.print(table)
    c = result.counts
    out.print(f"{c['articles']} articles crawled · {c['kept']} kept, {c['dropped']} dropped by the round-trip filter · "
              f"{c['translation_requests']} translation requests · splits: "
              + ", ".join(f"{k} {v}" for k, v in result.split_rows.items()), soft_wrap=True, markup=False)
    if result.reused:
        out.print(f"reused from an earlier run: {', '.join(result.reused)} (delete {_short(result.out_dir)} to start afresh)",
                  soft_wrap=True, markup=False)
    for note in result.notes:
        err.print(f"note: {note}", soft_wrap=True, markup=False)
    out.print(f"next: cls-data stats {_short(result.dataset)}", soft_wrap=True, markup=False)


def _short(path: Path) -> str:
    """Relative to the current folder when inside it: the table stays readable."""
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    except ValueError:
        return str(path)


class _StageBars:
    """One rich bar per stage on stderr; each stage's last message stays printed above the bars."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description:<7}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                                 TimeElapsedColumn(), TextColumn("[dim]{task.fields[message]}"), console=err, transient=True)
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> "_StageBars":
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, event) -> None:
        if event.stage not in self.tasks:
            self.tasks[event.stage] = self.progress.add_task(event.stage, total=event.total or 1, message="")
        task = self.tasks[event.stage]
        fields = {"message": escape(event.message)} if event.message else {}
        self.progress.update(task, completed=event.done, total=event.total or 1, **fields)
        if event.total and event.done >= event.total and event.message:
            self.progress.console.print(f"[bold]{event.stage}[/] {escape(event.message)}", soft_wrap=True)
