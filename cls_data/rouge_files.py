"""Score a file of predicted summaries against a file of references, one summary per line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.errors import ClsDataError
from cls_data.outputs import check_output_file
from cls_data.records import numbered_lines
from cls_data.rouge import METRICS, PairScores, corpus_f1, score_texts


@dataclass
class RougeReport:
    tokenizer: str
    scores: list[PairScores]
    notes: list[str] = field(default_factory=list)  # what the numbers do not say (pairs scored 0 by rule)

    @property
    def n(self) -> int:
        return len(self.scores)

    def corpus(self) -> dict[str, float]:
        """Corpus ROUGE F1 x100 (mean of per-pair F1), as reports print it."""
        return {metric: 100 * value for metric, value in corpus_f1(self.scores).items()}

    def mean_precision_recall(self, metric: str) -> tuple[float, float]:
        """Mean per-pair precision and recall x100 for one metric."""
        if not self.scores:
            return 0.0, 0.0
        pairs = [getattr(pair, metric) for pair in self.scores]
        return 100 * sum(p.precision for p in pairs) / len(pairs), 100 * sum(p.recall for p in pairs) / len(pairs)

    def as_json(self) -> dict:
        return {
            **{k: round(v, 4) for k, v in self.corpus().items()},
            "n": self.n,
            "tokenizer": self.tokenizer,
            **({"notes": self.notes} if self.notes else {}),
        }


def read_summaries(path: str | Path) -> list[str]:
    """One summary per line, lines ending at "\\n" only (as `wc -l` counts them: a U+2028 inside a
    summary is part of it); an empty line is an empty summary, a final newline is not a line."""
    path = Path(path)
    if not path.exists():
        raise ClsDataError(f"{path}: no such file")
    return [line.removesuffix("\n").removesuffix("\r") for _, line in numbered_lines(path)]


def read_aligned(
    pred_path: str | Path, ref_path: str | Path, per_sample: str | Path | None = None
) -> tuple[list[str], list[str]]:
    """The predictions and references of two line-aligned files (the `--per-sample` output checked first)."""
    if per_sample is not None:
        check_output_file(Path(per_sample), "--per-sample")
    preds, refs = read_summaries(pred_path), read_summaries(ref_path)
    if len(preds) != len(refs):
        raise ClsDataError(
            f"{pred_path} has {len(preds)} lines but {ref_path} has {len(refs)}: "
            "the files must hold one summary per line, in the same order"
        )
    if not preds:
        raise ClsDataError(f"{pred_path} and {ref_path} are empty: there is nothing to score")
    return preds, refs


def score_files(
    pred_path: str | Path, ref_path: str | Path, tokenizer: str, per_sample: str | Path | None = None
) -> RougeReport:
    """Score two line-aligned files; with `per_sample`, that file is checked first and written last."""
    preds, refs = read_aligned(pred_path, ref_path, per_sample)
    report = RougeReport(tokenizer, score_texts(preds, refs, tokenizer))
    if per_sample is not None:
        write_per_sample(report, per_sample)
    return report


def write_per_sample(report: RougeReport, path: str | Path) -> None:
    """Per-pair P/R/F x100, one JSON object per line, `line` counting from 1."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for line_no, pair in enumerate(report.scores, start=1):
            row: dict = {"line": line_no}
            for metric in METRICS:
                score = getattr(pair, metric)
                row[metric] = round(100 * score.fmeasure, 4)
                row[f"{metric}_p"] = round(100 * score.precision, 4)
                row[f"{metric}_r"] = round(100 * score.recall, 4)
            handle.write(json.dumps(row) + "\n")
