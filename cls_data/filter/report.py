"""The filter's typed report and its outputs: scored/kept/failures JSONL, report.json, a histogram."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.filter.select import Agreement
from cls_data.outputs import write_json_atomic, write_text_atomic
from cls_data.records import CLSSample, write_jsonl
from cls_data.translate.engine import PassStats

SCALE = "every score and threshold is in [0, 1] (F1, cosine similarity, fractional rank); the CLI prints x100"


@dataclass
class FilterCounts:
    input: int  # records read
    scored: int  # translated (both ways, unless --score xsim) and scored
    failed: int  # could not be translated: listed in failures.jsonl
    duplicates: int  # scored, but repeating a better-ranked sample (id, document or summary): not kept
    passed_thresholds: int
    kept: int
    keep_requested: int | None  # None: every sample that passes the thresholds


@dataclass
class FilterReport:
    """What `run_filter` did. One scale: every score, threshold and quantile is in [0, 1]."""

    input: str
    translator: str
    model: str | None
    src: str  # the backend's language codes
    tgt: str
    score: str  # --score: roundtrip | xsim | both
    rank_by: str  # which round-trip ROUGE F1 (mean, rouge1, rouge2, rougeL)
    ranking_score: str  # what ranks: rt_score | xsim | rank_mean (see cls_data.filter.select)
    ranking_score_meaning: str
    tokenizer: str  # of the round-trip ROUGE
    encoder: str | None  # of xsim
    thresholds: dict[str, float | None]  # min_score (on the ranking score), min_rouge1, min_rouge2
    counts: FilterCounts
    failures: dict[str, int]  # per pass: forward, back
    cutoff: float | None  # the ranking score of the last sample kept
    score_quantiles: dict[str, float]  # of the ranking score over every scored sample
    kept_quantiles: dict[str, float]  # ... over the kept ones
    translation: dict[str, PassStats]  # per pass: forward, back
    agreement: Agreement | None  # --score both only
    duplicates: dict[str, int] = field(default_factory=dict)  # dropped before the top K, by reason
    notes: list[str] = field(default_factory=list)  # what the user should know, said once
    seconds: float = 0.0
    failure_reasons: dict[str, int] = field(default_factory=dict)  # the most frequent errors of failures.jsonl

    @property
    def main_failure(self) -> str | None:
        """ "20 of 20: rejected: HTTP 404: ...": the commonest reason samples failed, for the summary line."""
        if not self.failure_reasons:
            return None
        reason, n = next(iter(self.failure_reasons.items()))
        return f"{n:,} of {self.counts.failed:,}: {reason}"

    @property
    def requests_sent(self) -> int:
        return sum(stats.requests for stats in self.translation.values())

    @property
    def cache_hits(self) -> int:
        return sum(stats.cache_hits for stats in self.translation.values())

    @property
    def retries(self) -> int:
        return sum(stats.retries for stats in self.translation.values())

    @property
    def rejects(self) -> dict[str, int]:
        """Answers rejected by the checks (never cached, asked again), by reason, over both passes."""
        total: dict[str, int] = {}
        for stats in self.translation.values():
            for reason, n in stats.rejects.items():
                total[reason] = total.get(reason, 0) + n
        return dict(sorted(total.items()))

    def as_json(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["counts"] = dataclasses.asdict(self.counts)
        data["agreement"] = dataclasses.asdict(self.agreement) if self.agreement else None
        data["translation"] = {name: stats.as_json() for name, stats in self.translation.items()}
        return {
            **data,
            "requests_sent": self.requests_sent,
            "cache_hits": self.cache_hits,
            "rejects": self.rejects,
            "failures_file": "failures.jsonl",
            "scale": SCALE,
        }


def write_outputs(
    out: Path,
    ranked: list[CLSSample],
    kept: list[CLSSample],
    failures: list[dict],
    report: FilterReport,
    scores: list[float],
) -> None:
    """scored.jsonl (best first), kept.jsonl, failures.jsonl, report.json and report.png in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "scored.jsonl", ranked)
    write_jsonl(out / "kept.jsonl", kept)
    write_text_atomic(out / "failures.jsonl", "".join(json.dumps(f, ensure_ascii=False) + "\n" for f in failures))
    write_json_atomic(out / "report.json", report.as_json())
    plot_histogram(out / "report.png", scores, report)


def plot_histogram(path: Path, scores: list[float], report: FilterReport) -> None:
    """Histogram of the ranking scores (drawn x100, like the CLI prints) with the cut-off and thresholds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = report.counts
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    ax.hist([100 * s for s in scores], bins=50, color="#4c72b0", alpha=0.85)
    if report.cutoff is not None:
        ax.axvline(
            100 * report.cutoff,
            color="#c44e52",
            linewidth=2,
            label=f"cut-off {100 * report.cutoff:.2f}: keep {counts.kept:,} of {counts.scored:,}",
        )
    notes = []
    for name, value in report.thresholds.items():
        if value is None:
            continue
        if name == "min_score":  # on the ranking score: a line on this axis
            ax.axvline(100 * value, color="#8172b2", linestyle="--", label=f"min-score {100 * value:g}")
        else:
            notes.append(f"{name.removeprefix('min_')} >= {100 * value:g}")
    if notes:
        ax.text(
            0.01,
            0.70,
            f"also required: {', '.join(notes)}\n{counts.scored - counts.passed_thresholds:,}"
            " samples failed a threshold",
            transform=ax.transAxes,
            fontsize=9,
            color="#8172b2",
        )
    ax.set_xlabel(f"{report.ranking_score} x100: {report.ranking_score_meaning}", fontsize=8)
    ax.set_ylabel("samples")
    ax.set_title(
        f"{counts.input:,} samples · {counts.scored:,} scored · {counts.failed:,} failed to"
        f" translate · {counts.kept:,} kept",
        fontsize=10,
    )
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
