"""`cls-data demo`: the whole pipeline, offline, on the bundled sample; ends with where everything is."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cls_data.cli.console import err, out
from cls_data.cli.interrupt import resumable
from cls_data.cli.progress import EtaLines


def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for every artefact; a rerun into it reuses what is done.")
    ] = Path("cls-data-demo"),
    variants: Annotated[
        str | None,
        typer.Option(
            help="Benchmark only these variants, comma-separated (e.g. mbart-cls,tflcls for a quicker demo) [default: "
            "all]."
        ),
    ] = None,
    pair: Annotated[
        str,
        typer.Option(
            "--pair",
            help="Language pair: vi-zh, or a pair bundled as data alone (de-en: a German site crawled by the generic "
            "spider; docs/languages.md).",
        ),
    ] = "vi-zh",
) -> None:
    """The whole pipeline offline on a bundled sample: crawl 127.0.0.1, filter, build, benchmark (smoke), report."""
    import dataclasses

    from cls_data.demo import GRID, run_demo

    grid = (
        dataclasses.replace(GRID, variants=tuple(v.strip() for v in variants.split(",") if v.strip()))
        if variants
        else GRID
    )
    with resumable(f"what is finished is kept in {out_dir} and reused"), _StageBars() as bars:
        if pair == "vi-zh":
            result = run_demo(out_dir, on_progress=bars.update, grid=grid)
        else:
            from cls_data.demo.pair import run_pair_demo

            result = run_pair_demo(pair, out_dir, on_progress=bars.update, grid=grid)
    table = Table(title=f"cls-data demo · {result.seconds['total']:.1f}s", title_justify="left")
    table.add_column("artefact")
    table.add_column("where")
    for what, path in result.artefacts():
        if pair == "vi-zh" or path.exists():  # the pair demo reads its articles: it has no crawl summary
            table.add_row(what, escape(_short(path)))
    out.print(table)
    c = result.counts
    source = "crawled" if pair == "vi-zh" or result.crawl_summary.exists() else "read from the bundled pair"
    out.print(
        f"{c['articles']} articles {source} · {c['kept']} kept, {c['dropped']} dropped by the round-trip filter · "
        f"{c['translation_requests']} translation requests · splits: "
        + ", ".join(f"{k} {v}" for k, v in result.split_rows.items()),
        soft_wrap=True,
        markup=False,
    )
    out.print(
        f"{len(result.benchmark_runs) - len(result.failed_runs)} of {len(result.benchmark_runs)} benchmark runs "
        f"finished (smoke preset: tiny models trained for seconds on {result.split_rows.get('train', 0)} pairs;"
        " their scores check the plumbing, not the science)",
        soft_wrap=True,
        markup=False,
    )
    for line in result.answer:
        out.print(line, soft_wrap=True, markup=False)
    if result.reused:
        out.print(
            f"reused from an earlier run: {', '.join(result.reused)} (delete {_short(result.out_dir)} to start afresh)",
            soft_wrap=True,
            markup=False,
        )
    for note in result.notes:
        err.print(f"note: {note}", soft_wrap=True, markup=False)
    out.print(
        f"next: read {_short(result.results_md)}, open {_short(result.case_study)} in a browser; "
        f"cls-data stats {_short(result.dataset)}",
        soft_wrap=True,
        markup=False,
    )
    if result.failed_runs:
        raise typer.Exit(1)


_COUNTED = re.compile(r" \d+/\d+$")  # a step's own count (a benchmark run's phase): a bar's business, not a log line


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

        self.progress = Progress(
            TextColumn("{task.description:<9}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[message]}"),
            console=err,
            transient=True,
        )
        self.tasks: dict[str, int] = {}
        self.live = err.is_terminal  # elsewhere rich draws nothing until the end: one line per step instead
        self.lines: dict[str, EtaLines] = {}
        self.last: dict[str, tuple[int, str]] = {}

    def __enter__(self) -> _StageBars:
        if self.live:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live:
            self.progress.stop()

    def update(self, event) -> None:
        if not self.live:
            self._line(event)
        if event.stage not in self.tasks:
            self.tasks[event.stage] = self.progress.add_task(event.stage, total=event.total or 1, message="")
        task = self.tasks[event.stage]
        fields = {"message": escape(event.message)} if event.message else {}
        self.progress.update(task, completed=event.done, total=event.total or 1, **fields)
        if event.total and event.done >= event.total and event.message:
            self.progress.console.print(f"[bold]{event.stage}[/] {escape(event.message)}", soft_wrap=True)

    def _line(self, event) -> None:
        """A log line when a stage moves on to its next step (a benchmark run) with a new message, with its ETA."""
        if event.total <= 1 or event.done >= event.total or not event.message:
            return
        previous = self.last.get(event.stage)
        if previous is not None and (previous[0] == event.done and _COUNTED.search(event.message)):
            return
        if previous == (event.done, event.message):
            return
        self.last[event.stage] = (event.done, event.message)
        self.lines.setdefault(event.stage, EtaLines(err)).step(event.stage, event.done, event.total, event.message)
