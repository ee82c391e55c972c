"""The paper's Figure 4 (ablation bars) and Figure 5 (r sweep), and per-run learning curves, as PNGs.

Only matplotlib's object API is used (`Figure`, no pyplot), so nothing global is set and no GUI
backend is ever chosen: a Figure saved to .png renders with Agg.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from cls_data.report.runs import DEFAULT_WEIGHTING
from cls_data.report.tables import METRIC_LABELS, Cell, default_system
from cls_data.run_folder import RunRow, read_json_lines

# Figure 4's bars: the method, each ablation, and both removed (which is mBART-CLS).
ABLATIONS = (
    ("tflcls", "TFLCLS"),
    ("tflcls-no-tra", "w/o TRA"),
    ("tflcls-no-mul", "w/o MUL"),
    ("mbart-cls", "w/o TRA & MUL\n(mBART-CLS)"),
)
COLOURS = ("#1b6ca8", "#f28e2b", "#59a14f", "#9c9c9c", "#b07aa1", "#e15759")
DPI = 120


def _figure(width: float, height: float, constrained: bool = True):
    from matplotlib.figure import Figure

    # constrained layout costs ~40% of a save: fine for a few summary figures, not for hundreds of curves
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained" if constrained else None)


def _save(figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.png")
    figure.savefig(tmp)
    tmp.replace(path)  # atomic: a reader never sees half a PNG
    return path


def ablation_figure(
    cells: dict[tuple[str, str, int], Cell], dataset: str, sizes: Sequence[int], path: Path
) -> Path | None:
    """Grouped bars per train size, one bar per ablation, error bars = std over seeds; None if nothing to draw."""
    systems = {s for (s, d, _) in cells if d == dataset}
    present = [
        (default_system(v, systems), label) for v, label in ABLATIONS if any(s.split("/")[0] == v for s in systems)
    ]
    if len(present) < 2:
        return None
    figure = _figure(4.2 * len(METRIC_LABELS), 4.2)
    axes = figure.subplots(1, len(METRIC_LABELS), sharey=False)
    width = 0.8 / len(present)
    for ax, (metric, label) in zip(axes, METRIC_LABELS.items(), strict=False):
        for i, (system, name) in enumerate(present):
            xs, means, stds = [], [], []
            for x, size in enumerate(sizes):
                cell = cells.get((system, dataset, size))
                mean = cell.mean(metric) if cell else None
                if mean is not None:
                    xs.append(x + (i - (len(present) - 1) / 2) * width)
                    means.append(mean)
                    stds.append(cell.std(metric) or 0.0)
            bars = ax.bar(xs, means, width, yerr=stds, capsize=3, color=COLOURS[i], label=name)
            ax.bar_label(bars, fmt="%.1f", fontsize=7, padding=2)
        ax.set_xticks(range(len(sizes)), [f"n={size:,}" for size in sizes])
        ax.set_title(f"{label} (F1 x100)")
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    figure.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=len(present), fontsize=9)
    figure.suptitle(f"Ablations on {dataset} (Figure 4): removing a stage or the joint loss")
    return _save(figure, path)


def rsweep_figure(
    cells: dict[tuple[str, str, int], Cell], dataset: str, sizes: Sequence[int], path: Path
) -> Path | None:
    """ROUGE against r for TFLCLS's weighting, one line per train size; None with fewer than two r values."""
    by_r = {}
    for system, d, _ in cells:
        parts = system.split("/")
        if d == dataset and parts[0] == "tflcls" and len(parts) == 3 and parts[1] == DEFAULT_WEIGHTING:
            by_r[float(parts[2][1:])] = system
    if len(by_r) < 2:
        return None
    rs = sorted(by_r)
    figure = _figure(4.2 * len(METRIC_LABELS), 3.8)
    axes = figure.subplots(1, len(METRIC_LABELS))
    for ax, (metric, label) in zip(axes, METRIC_LABELS.items(), strict=False):
        for i, size in enumerate(sizes):
            points = [(r, cells[(by_r[r], dataset, size)]) for r in rs if (by_r[r], dataset, size) in cells]
            points = [(r, c.mean(metric), c.std(metric) or 0.0) for r, c in points if c.mean(metric) is not None]
            if points:
                ax.errorbar(
                    [p[0] for p in points],
                    [p[1] for p in points],
                    yerr=[p[2] for p in points],
                    marker="o",
                    capsize=3,
                    color=COLOURS[i % len(COLOURS)],
                    label=f"n={size:,}",
                )
        ax.set_xticks(rs, [f"{r:g}" for r in rs])
        ax.set_xlabel("r (fixed ratio of the two tasks' uncertainties)")
        ax.set_title(f"{label} (F1 x100)")
        ax.grid(alpha=0.3)
    figure.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=len(sizes), fontsize=9)
    figure.suptitle(f"TFLCLS over r on {dataset} (Figure 5)")
    return _save(figure, path)


def learning_curves(log_path: Path, title: str, path: Path) -> Path | None:
    """Training losses by step, validation ROUGE-2 by epoch and learned loss weights by epoch; None without a log."""
    if not log_path.exists():
        return None
    steps: dict[str, list[tuple[int, float]]] = defaultdict(list)
    val: dict[str, list[tuple[int, float]]] = defaultdict(list)
    weights: dict[str, list[tuple[int, float]]] = defaultdict(list)
    epoch_offset = step_offset = last_epoch = last_step = 0
    last_stage = None
    for _, record in read_json_lines(log_path):
        stage = str(record.get("stage", ""))
        if stage != last_stage:  # stages restart their epoch count: lay them end to end
            epoch_offset, step_offset, last_stage = last_epoch, last_step, stage
        if record.get("kind") == "step":
            last_step = step_offset + int(record.get("step", 0))
            for name, value in (record.get("losses") or {}).items():
                if isinstance(value, (int, float)):
                    steps[_label(stage, name)].append((last_step, float(value)))
        elif record.get("kind") == "epoch":
            epoch = epoch_offset + int(record.get("epoch", 0))
            last_epoch = epoch
            rouge2 = (record.get("val") or {}).get("rouge2")
            if isinstance(rouge2, (int, float)):
                val[stage or "validation"].append((epoch, 100 * float(rouge2)))
            for name, value in (record.get("weights") or {}).items():
                if isinstance(value, (int, float)):
                    weights[_label(stage, name)].append((epoch, float(value)))
    figure = _figure(13, 3.8, constrained=False)
    figure.subplots_adjust(left=0.05, right=0.99, bottom=0.14, top=0.82, wspace=0.22)
    ax_loss, ax_val, ax_weights = figure.subplots(1, 3)
    for i, (name, points) in enumerate(sorted(steps.items())):
        xs, ys = zip(*points, strict=False)
        colour = COLOURS[i % len(COLOURS)]
        if len(ys) > 200:  # thousands of noisy steps: show them faintly under a running mean
            import numpy as np

            window = len(ys) // 50
            ax_loss.plot(xs, ys, color=colour, linewidth=0.5, alpha=0.25)
            ys = np.convolve(ys, np.ones(window) / window, mode="same")
        ax_loss.plot(xs, ys, label=name, color=colour, linewidth=1.2)
    ax_loss.set(title="training losses", xlabel="step")
    for i, (stage, points) in enumerate(sorted(val.items())):
        ax_val.plot(*zip(*points, strict=False), marker="o", label=stage, color=COLOURS[i % len(COLOURS)])
    ax_val.set(title="validation ROUGE-2 (F1 x100)", xlabel="epoch")
    for i, (name, points) in enumerate(sorted(weights.items())):
        ax_weights.plot(*zip(*points, strict=False), marker="o", label=name, color=COLOURS[i % len(COLOURS)])
    ax_weights.set(title="learned loss weights", xlabel="epoch")
    from matplotlib.ticker import MaxNLocator

    for ax, series in ((ax_loss, steps), (ax_val, val), (ax_weights, weights)):
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if series:
            ax.legend(fontsize=7)
        else:
            ax.text(
                0.5,
                0.5,
                "nothing logged" if ax is not ax_weights else "no learned weights\n(fixed weighting)",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color="#666666",
            )
    figure.suptitle(title)
    return _save(figure, path)


def _label(stage: str, name: str) -> str:
    return f"{stage}: {name}" if stage else name


def flat_name(row: RunRow) -> str:
    """A run folder as one file name: `Vi2ZhLow__tflcls__tflcls__r2__n1000__seed1`."""
    return (row.run_dir or row.system).replace("/", "__")
