"""The filter's outputs: scored/kept/failures JSONL, report.json, a histogram, progress bars."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cls_data.records import CLSSample, write_jsonl


@contextmanager
def progress_bars(enabled: bool) -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    """Yields `bar(title, total)` -> an `advance(n)` callback, one rich bar per translation pass."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), console=Console(stderr=True), disable=not enabled)

    def bar(title: str, total: int) -> Callable[[int], None]:
        task = progress.add_task(f"translate {title}", total=total)
        return lambda n: progress.advance(task, n)

    with progress:
        yield bar


def write_outputs(out: Path, ranked: list[CLSSample], kept: list[CLSSample], failures: list[dict],
                  report: dict, config) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "scored.jsonl", ranked)
    write_jsonl(out / "kept.jsonl", kept)
    tmp = out / "failures.jsonl.tmp"
    tmp.write_text("".join(json.dumps(f, ensure_ascii=False) + "\n" for f in failures), encoding="utf-8")
    os.replace(tmp, out / "failures.jsonl")
    tmp = out / "report.json.tmp"
    tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out / "report.json")
    plot_histogram(out / "report.png", [s.rt_score for s in ranked], report, config)


def plot_histogram(path: Path, scores: list[float], report: dict, config) -> None:
    """Histogram of ranking scores (x100) with the cut-off and thresholds marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = report["counts"]
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    ax.hist([100 * s for s in scores], bins=50, color="#4c72b0", alpha=0.85)
    if report["cutoff_score"] is not None:
        ax.axvline(report["cutoff_score"], color="#c44e52", linewidth=2,
                   label=f"cut-off {report['cutoff_score']:.2f}: keep {counts['kept']:,} of {counts['scored']:,}")
    notes = []
    for name, metric in (("min_score", report["rank_by"]), ("min_rouge1", "rouge1"), ("min_rouge2", "rouge2")):
        value = getattr(config, name)
        if value is None:
            continue
        if metric == report["rank_by"] and report["score"] == "roundtrip":  # a line only on its own axis
            ax.axvline(100 * value, color="#8172b2", linestyle="--", label=f"{name.replace('_', '-')} {100 * value:g}")
        else:
            notes.append(f"{metric} >= {100 * value:g}")
    if notes:
        ax.text(0.01, 0.70, f"also required: {', '.join(notes)}\n{counts['scored'] - counts['passed_thresholds']:,}"
                " samples failed a threshold", transform=ax.transAxes, fontsize=9, color="#8172b2")
    what = {"roundtrip": f"round-trip ROUGE ({report['rank_by']}, F1 x100, tokenizer {report['tokenizer']})",
            "xsim": "cross-lingual similarity x100", "both": "combined rank score x100"}[report["score"]]
    ax.set_xlabel(what)
    ax.set_ylabel("samples")
    ax.set_title(f"{counts['input']:,} samples · {counts['scored']:,} scored · {counts['failed']:,} failed to"
                 f" translate · {counts['kept']:,} kept", fontsize=10)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
