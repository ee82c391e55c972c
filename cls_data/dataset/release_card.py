"""The dataset card (README.md) of a folder built from the paper's released CSVs: what it is, its flags, its source."""

from __future__ import annotations

from cls_data.dataset.card import _stats_rows, card_data
from cls_data.dataset.kinds import get_kind

PAPER = (
    "Zhang et al., A two-stage fine-tuning method for low-resource cross-lingual summarization, "
    "Mathematical Biosciences and Engineering 21(1): 1125-1143, 2024 (doi:10.3934/mbe.2024047)"
)
SPLIT_NOTES = {
    "train": "the release's train file, in its order",
    "validation": "the release's val file, in its order",
    "test": "the release's test file, every row, in its order",
}


def _splits(rows: dict[str, int]) -> list[str]:
    lines = ["| split | rows | note |", "|---|---:|---|"]
    for split, n in rows.items():
        first = f"the first {n:,} rows of `train`, as the paper's code takes them (`select(range(n))`)"
        note = SPLIT_NOTES.get(split) or first
        lines.append(f"| `{split}` | {n:,} | {note} |")
    return lines


def _flags(info: dict) -> str:
    flagged = info["flagged"]
    if not flagged:
        return "No row is flagged."
    counts = "; ".join(f"{reason}: {n:,} rows" for reason, n in sorted(flagged.items()))
    if info["clean"]:
        return (
            f"Flagged ({counts}). **Built with `--clean`**: {info['dropped_by_clean']:,} rows were left out (every "
            "row with a summary not in its language; of each repeat, every copy but the one in test, else "
            "validation, else the first in train), so these splits are *not* the paper's."
        )
    return (
        f"{info['flagged_rows']:,} rows the paper kept are flagged in the `flags` column ({counts}). They are "
        "kept, so the splits are the paper's; a repeat lists the ids of all its copies. Build with `--clean` to "
        "drop them."
    )


def render_release_card(info: dict, stats: dict, files: dict[str, str]) -> str:
    """README.md for a `--release` folder: YAML mapping every split to its file, then the facts a user must know."""
    from huggingface_hub import DatasetCard

    meta = card_data({**info, "source_datasets": ["original"]}, files)
    release = info["release"]
    commit = (
        f"commit `{release['commit']}`" if release.get("commit") else "commit not recorded (pass `--release-commit`)"
    )
    stats_splits, stats_rows = _stats_rows(stats)
    lines = [
        "---",
        meta.to_yaml(),
        "---",
        "",
        "# Vi2ZhLow (the paper's release)",
        "",
        f"The Vi2ZhLow splits exactly as released with the paper ({PAPER}), read from its repository's CSV files "
        f"({commit}). Each row: `id` (`tflcls-<file prefix>-<row number in the file>`), `text` (Vietnamese document), "
        "`summary` (Vietnamese summary), `cls_summary` (Chinese summary), `flags` (why the row should not have been "
        "kept, empty when nothing is wrong). Texts are NFC-normalised; nothing else is changed (the release's "
        "tokenizer-style spacing stays).",
        "",
        "## Splits",
        "",
        *_splits(info["splits"]),
        "",
        "## Flagged rows",
        "",
        _flags(info),
        "",
        "## Source files",
        "",
        *[f"- `{f['name']}`: {f['bytes']:,} bytes, SHA-256 `{f['sha256']}`" for f in info["inputs"]],
        "",
        *[f"- {note}" for note in info["notes"]],
        "",
        f"Built with cls-data {info['tool_version']}: `{info['command']}`",
        "",
        "## Statistics",
        "",
        "| | " + " | ".join(stats_splits) + " |",
        "|---|" + "---:|" * len(stats_splits),
        *[f"| {row['label']} | " + " | ".join(row["values"]) + " |" for row in stats_rows],
        "",
        "## Licence",
        "",
        get_kind("vi2zh").licence_text,
        "",
        "## Citation",
        "",
        f"Cite the paper: {PAPER}.",
        "",
    ]
    return str(DatasetCard("\n".join(lines)))
