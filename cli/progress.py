"""Progress of long commands on stderr: live bars on a terminal, one line per step with its ETA in a log.

`GridProgress` is the benchmark's one display: an overall `runs` bar that advances at every run,
under it the current run's phase bars (tokenize, train, decode...), replaced at the next run.
Where stderr is no terminal (a log file, CI, `nohup`), rich draws nothing until the end, so the
display prints one line per run instead, with the time so far and the ETA from the mean time per
run. `EtaLines` makes those lines, for the demo's stage bars too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from rich.progress import Progress


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class EtaLines:
    """One plain line per step: `<what> <i>/<n> <name> · <elapsed> elapsed, ETA <left>` (none before a step is done)."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.monotonic) -> None:
        self.console, self.clock = console, clock
        self.started: float | None = None

    def step(self, what: str, done: int, total: int, name: str) -> None:
        now = self.clock()
        if self.started is None:
            self.started = now
        elapsed = now - self.started
        eta = f", ETA {_duration(elapsed / done * (total - done))}" if 0 < done < total else ""
        self.console.print(
            f"{what} {min(done + 1, total)}/{total} {name} · {_duration(elapsed)} elapsed{eta}",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )

    def finish(self, what: str, total: int) -> None:
        elapsed = 0.0 if self.started is None else self.clock() - self.started
        self.console.print(
            f"{what}: {total}/{total} in {_duration(elapsed)}", soft_wrap=True, markup=False, highlight=False
        )


class GridProgress:
    """`on_progress(phase, done, total)` of `run_grid`: phase "run <rel_dir>" starts run done+1 of total, "runs"
    ends the grid, any other phase is a step of the current run."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self.live = console.is_terminal
        self.lines = EtaLines(console, clock)
        self.progress = None
        self.overall: int | None = None
        self.phases: dict[str, int] = {}

    def __enter__(self) -> GridProgress:
        if self.live:
            self.progress = run_bars(self.console)
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase.startswith("run "):
            self._next_run(phase[4:], done, total)
        elif phase == "runs":
            if self.progress is not None and self.overall is not None:
                self.progress.update(self.overall, completed=total, total=total)
            elif self.progress is None and total:
                self.lines.finish("runs", total)
        elif self.progress is not None:  # a log gets one line per run, not one per batch
            if phase not in self.phases:
                self.phases[phase] = self.progress.add_task(f"  {escape(phase)}", total=total)
            self.progress.update(self.phases[phase], completed=done, total=total)

    def _next_run(self, name: str, done: int, total: int) -> None:
        if self.progress is None:
            self.lines.step("run", done, total, name)
            return
        for task in self.phases.values():
            self.progress.remove_task(task)
        self.phases.clear()
        if self.overall is None:
            self.overall = self.progress.add_task("[bold]runs[/]", total=total)
        self.progress.update(self.overall, completed=done, total=total)
        self.progress.console.print(f"[bold]run {done + 1}/{total}[/] {escape(name)}", soft_wrap=True)


def run_bars(console: Console) -> Progress:
    """The runs bar (description, bar, done/total, elapsed, ETA) of one benchmark or of N workers."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, TimeRemainingColumn(), console=console, transient=False)
