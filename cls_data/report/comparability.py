"""What `--compare-paper` must say before any Δ: the ROUGE unit, the data, the test weights, the differences in play."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from cls_data.dataset_folder import read_build_info
from cls_data.run_folder import RunRow, read_json

METRICS = ("rouge1", "rouge2", "rougeL")


def paper_unit_mean(rows: Sequence[RunRow], metric: str) -> tuple[float | None, str | None]:
    """(mean x100 in the paper's unit, the unit) when every run of a cell was scored in one paper unit, else
    (None, None)."""
    scores = [row.paper_rouge for row in rows]
    units = {score.get("unit") for score in scores if score}
    if not scores or not all(scores) or len(units) != 1:
        return None, None
    return 100 * sum(score[metric] for score in scores) / len(scores), units.pop()


def _source(root: Path | None, row: RunRow) -> str:
    """Where a run's dataset came from: the paper's release, a `cls-data build` rebuild, or unknown."""
    if root is None or not row.run_dir:
        return "unknown"
    config = read_json(root / row.run_dir / "config.json") if (root / row.run_dir / "config.json").exists() else {}
    path = config.get("dataset_path")
    info = read_build_info(Path(path)) if path and Path(path).is_dir() else None
    if info is None:
        return "unknown"
    if info.get("source") == "paper-release":
        return "release (cleaned)" if info.get("clean") else "release"
    return "rebuilt"


SOURCE_TEXT = {
    "release": "the paper's released splits (`cls-data build vi2zh --release`), in its order, flagged rows kept: the "
    "paper's training subsets and every row of its test file",
    "release (cleaned)": "the paper's released splits with the flagged rows dropped (`--release --clean`): close to, "
    "but not, the paper's test set",
    "rebuilt": "rebuilt by `cls-data build` (deduplicated and re-split, e.g. 4,900 / 3,000 / 3,000 from the released "
    "pairs): **another test set than the paper's**",
    "unknown": "not recorded (the run's dataset folder is not at hand): cannot tell whether the test set is the "
    "paper's",
}


def _unit_lines(done: Sequence[RunRow]) -> list[str]:
    scored = [row for row in done if row.paper_rouge]
    units = sorted({row.paper_rouge.get("unit") for row in scored})
    if scored and len(scored) == len(done) and len(units) == 1:
        return [
            f"- **ROUGE unit**: ours is shown in the paper's unit ({units[0]}), as the paper's code scored; "
            "our own per-character ROUGE stays in the tables above."
        ]
    have = f" ({len(scored)} of {len(done)} runs carry it)" if scored else ""
    return [
        "- **ROUGE unit: absolute gaps are not comparable.** Ours is rouge-score F1 per Chinese character with "
        "punctuation dropped; the paper's is the `rouge` package on mBART pieces, punctuation included, which "
        f"moves R-2 by more than 10 points on the paper's own output. Score every run in the paper's unit{have}: "
        "`cls-data benchmark --paper-tokens facebook/mbart-large-cc25` (or with that tokenizer in the local "
        "Hugging Face cache), or `cls-data rouge PRED REF --lang zh --paper-tokens TOKENIZER` on a predictions "
        "file. Relative gains between systems scored the same way carry over better than absolute values."
    ]


def _differences(done: Sequence[RunRow], root: Path | None) -> list[str]:
    """The remaining differences from the paper's code that apply to these runs (docs/paper-fidelity.md has all)."""
    paper_code = set()
    for row in done:
        path = root / row.run_dir / "config.json" if root is not None and row.run_dir else None
        paper_code.add(bool(path and path.exists() and read_json(path).get("paper_code")))
    variants = {row.variant for row in done}
    out = []
    if False in paper_code:
        out.append(
            "numerics: bf16 autocast, length-grouped batches, one micro-batch of 16, clipping without the loss "
            "weights, non-deterministic kernels (`--paper-code` removes these)"
        )
    if False in paper_code:
        out.append(
            "generation and targets: `max_new_tokens` 128 and the target language code once (the code's "
            "`max_length` 128 counted the start tokens and forced the code twice); targets as written (the "
            "code lowercased English ones, and TFLCLS's in any language) (`--paper-code` removes these)"
        )
    if variants & {"tflcls", "tflcls-no-tra"}:
        out.append(
            "TFLCLS's second decoder: its own mask and a tied LM head (the code passed the other decoder's mask "
            "and an untied, random head); HU is Kendall et al.'s (the code's drew random sigmas); the `sum` "
            "weighting is L1 + L2 (the code's base was (L1 + L2) / 2: `--paper-code`)"
        )
    out.append(
        "validation: the same split picks each run's epoch and ranks systems (systems validated 1 to 15 times "
        "on it); the paper chose r on validation too"
    )
    return [f"  - {line}" for line in out]


def comparability_markdown(rows: Sequence[RunRow], root: Path | None) -> list[str]:
    """The lines `--compare-paper` prints before its tables: unit, data source, test weights, differences."""
    from cls_data.report.paper import PAPER_SYSTEMS

    done = [row for row in rows if row.status == "done" and row.in_domain]
    shown = [row for row in done if row.system in PAPER_SYSTEMS.values()]
    done = shown or done  # what the cells beside the paper's are made of, when there are any
    if not done:
        return []
    sources = Counter(_source(root, row) for row in done)
    weights = Counter(row.test_weights or "not recorded" for row in done)
    lines = ["### What the two columns measure", ""] + _unit_lines(done)
    lines += [
        "- **Data**: "
        + "; ".join(f"{SOURCE_TEXT[s]} ({n} run{'s' if n != 1 else ''})" for s, n in sorted(sources.items()))
        + "."
    ]
    text = {"best": "the best validation epoch's", "last": "the last epoch's, as the paper's code tested"}
    lines += [
        "- **Test weights**: "
        + "; ".join(f"{text.get(w, w)} ({n} run{'s' if n != 1 else ''})" for w, n in sorted(weights.items()))
        + ". The paper's code tested the last epoch's weights (`trainer.test` after `fit`): "
        "`--test-weights last`."
    ]
    lines += [
        "- **Differences that apply to these runs** (every one: docs/paper-fidelity.md):",
        *_differences(done, root),
    ]
    return lines + [""]
