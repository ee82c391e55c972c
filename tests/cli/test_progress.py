"""Progress on stderr: one display whose `runs` bar advances per run; one line per run with its ETA in a log."""

from __future__ import annotations

import io

from rich.console import Console

from cls_data.cli.progress import GridProgress

RUNS = ["Vi2ZhLow/mbart-cls/n8/seed0", "Vi2ZhLow/tflcls/tflcls/r2/n8/seed0", "Vi2ZhLow/ncls/n8/seed0"]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _grid(display: GridProgress, clock: Clock, seconds_per_run: float = 40.0) -> list[tuple[int, int]]:
    """Feed the events run_grid sends; returns the overall bar's (completed, total) after each run starts."""
    seen = []
    with display:
        for index, run in enumerate(RUNS):
            display(f"run {run}", index, len(RUNS))
            if display.progress is not None:
                task = next(t for t in display.progress.tasks if t.id == display.overall)
                seen.append((int(task.completed), int(task.total)))
            for step in range(1, 5):
                display("train joint", step, 4)
                display("decode Vi2ZhLow test", step, 4)
            clock.now += seconds_per_run
        display("runs", len(RUNS), len(RUNS))
    return seen


def test_on_a_terminal_the_runs_bar_advances_at_every_run_and_phase_bars_are_per_run():
    console = Console(file=io.StringIO(), force_terminal=True, width=120, color_system=None)
    display = GridProgress(console, Clock())
    assert _grid(display, Clock()) == [(0, 3), (1, 3), (2, 3)]
    overall = next(t for t in display.progress.tasks if t.id == display.overall)
    assert (overall.completed, overall.total) == (3, 3)
    descriptions = [t.description.strip() for t in display.progress.tasks]
    assert descriptions == ["[bold]runs[/]", "train joint", "decode Vi2ZhLow test"]  # the last run's phases only
    assert "run 3/3 Vi2ZhLow/ncls/n8/seed0" in console.file.getvalue()


def test_in_a_log_each_run_is_one_line_with_the_time_so_far_and_an_eta():
    console = Console(file=io.StringIO(), force_terminal=False, width=200)
    clock = Clock()
    display = GridProgress(console, clock)
    _grid(display, clock)
    assert console.file.getvalue().splitlines() == [
        "run 1/3 Vi2ZhLow/mbart-cls/n8/seed0 · 0s elapsed",
        "run 2/3 Vi2ZhLow/tflcls/tflcls/r2/n8/seed0 · 40s elapsed, ETA 1m20s",
        "run 3/3 Vi2ZhLow/ncls/n8/seed0 · 1m20s elapsed, ETA 40s",
        "runs: 3/3 in 2m00s",
    ]  # no line per batch: a log of a 3,000-pair decode stays readable


def test_the_demo_logs_one_line_per_benchmark_run_when_not_on_a_terminal(monkeypatch):
    from cls_data.cli import demo
    from cls_data.demo import DemoProgress

    console = Console(file=io.StringIO(), force_terminal=False, width=200)
    monkeypatch.setattr(demo, "err", console)
    with demo._StageBars() as bars:
        bars.update(DemoProgress("benchmark", 0, 3, "3 runs to train (smoke preset): building the tiny backbones"))
        for index, run in enumerate(RUNS):
            bars.update(DemoProgress("benchmark", index, 3, run))
            bars.update(DemoProgress("benchmark", index, 3, f"{run}: train joint 2/4"))
        bars.update(DemoProgress("benchmark", 3, 3, "3 runs trained and scored, 0 reused, 0 failed"))
    lines = console.file.getvalue().splitlines()
    assert [line.split(" · ")[0] for line in lines] == [
        "benchmark 1/3 3 runs to train (smoke preset): building the tiny backbones",
        f"benchmark 1/3 {RUNS[0]}",
        f"benchmark 2/3 {RUNS[1]}",
        f"benchmark 3/3 {RUNS[2]}",
        "benchmark 3 runs trained and scored, 0 reused, 0 failed",
    ]
    assert "ETA" in lines[2]


def test_transformers_bars_are_silenced_while_a_grid_runs(capfd):
    from transformers import MBartConfig, MBartForConditionalGeneration

    from cls_data.benchmark.quiet import quiet_transformers

    model = MBartForConditionalGeneration(
        MBartConfig(
            vocab_size=40,
            d_model=8,
            encoder_layers=1,
            decoder_layers=1,
            encoder_attention_heads=1,
            decoder_attention_heads=1,
            encoder_ffn_dim=8,
            decoder_ffn_dim=8,
        )
    )
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        with quiet_transformers():
            model.save_pretrained(folder)
        assert "Writing model shards" not in capfd.readouterr().err
        model.save_pretrained(folder)  # outside: transformers' own bar (the test can fail)
        assert "Writing model shards" in capfd.readouterr().err
