"""How far our runs are from the paper's code: which presets are unvalidated, and every remaining difference."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from cls_data.run_folder import RunRow

FAITHFUL_PRESET = "paper"

# Every difference between the engine and the paper's public code that stays even under the `paper`
# preset (docs/paper-fidelity.md says more); (topic, what the paper's code did, what we do).
DIFFERENCES: tuple[tuple[str, str, str], ...] = (
    (
        "precision",
        "fp32 throughout (PyTorch Lightning's default precision)",
        'bf16 autocast with fp32 master weights on a GPU (`precision = "auto"`), fp32 on a CPU',
    ),
    (
        "batching",
        "batches cut from a shuffled order, each padded to its longest pair (`padding=True`)",
        "length-grouped batches padded to their longest pair (rounded up to x64 / x16): the same batch sizes under "
        "`paper`, but which pairs share a batch differs (`--paper-code`: shuffled)",
    ),
    (
        "clipping",
        "gradient norm clipped at 1.0 over every parameter its optimizer holds (Lightning's gradient_clip_val)",
        "gradient norm clipped at 1.0 over the model's parameters only; the learned loss weights sit in their own "
        "optimizer group, unclipped and without weight decay",
    ),
    (
        "micro-batches",
        "4 x 4 (stage 1) and 2 x 8 (stage 2) accumulated, the mean of the micro-batches' mean token losses",
        "one micro-batch of 16 (halved with doubled accumulation only when it does not fit), the mean token loss over "
        "the 16 pairs",
    ),
    (
        "determinism",
        "deterministic algorithms",
        "cuDNN/cuBLAS defaults (not bitwise reproducible on CUDA) unless `--deterministic`",
    ),
    (
        "HU (Table 3)",
        '"HU" drew new random sigmas at every step and never learned them',
        "Kendall et al.'s HU: s = log sigma^2 learned; so Table 3's HU row is another method than the paper's",
    ),
    (
        "second decoder",
        "the monolingual decoder got the cross-lingual decoder's attention mask and an untied, "
        "randomly initialised LM head",
        "its own mask, and its LM head tied to the shared embeddings",
    ),
    (
        "generation",
        "decoder start and forced BOS both set to the target language (the code appears twice); "
        "`max_length` 128 counting both, `early_stopping=True`",
        "the target language code once, as decoder start; `max_new_tokens` 128 (`--paper-code`: 126, the code's room); "
        "beam search stops as `early_stopping=True` does",
    ),
    (
        "ROUGE",
        "the `rouge` package (pltrdy: a repeated n-gram counts once) on mBART pieces, punctuation included, mean "
        "of per-pair F1",
        "rouge-score's F1 per Chinese character, punctuation dropped: another unit (R-2 moves by more than 10 points); "
        "`--paper-tokens` adds the paper's unit to every run",
    ),
    (
        "test weights",
        "the last epoch's (`trainer.test(model=model)` after `fit`)",
        "the best validation epoch's (ROUGE-2) unless `--test-weights last`",
    ),
    (
        "data",
        "the released splits in file order (train cut to its first 1,000 / 3,000 / 5,000 rows), flawed rows kept",
        "what `cls-data build` made (deduplicated, re-split) unless the dataset was built with `build vi2zh --release`",
    ),
    (
        "targets",
        "English cross-lingual targets lowercased, and the two-target (TFLCLS) loader's in any language, "
        "references included; the `sum` base weighting (L1 + L2) / 2",
        "targets as written; `sum` is L1 + L2 (`--paper-code`: lowercased as the code did, the mean)",
    ),
    (
        "validation",
        "one split chooses the epoch (and r)",
        "the same, and it also ranks systems in the report "
        "(a system validated 1 to 15 times on it): the winner's validation score is optimistic",
    ),
)


def is_unvalidated(row: RunRow) -> bool:
    """A recipe that changes the optimisation and has not been shown within noise of the faithful one."""
    return row.validated is False


STATUS_TEXT = {
    "faithful": "the paper's recipe (its learning rates, batch sizes, schedule and full-split validation, as it gives "
    'them for mBART-CLS and TFLCLS); the differences that remain are listed under "Differences from the '
    "paper's code\"",
    "no paper recipe": "a system the paper gives no training recipe for (a baseline or an addition): it keeps its "
    "own paper's or our optimiser, so *not* the paper's recipe, whatever the preset",
}


def status_text(row: RunRow) -> str:
    """One phrase for a run's recipe, as results.md, the comparison and the model cards state it."""
    if row.preset_status in STATUS_TEXT:
        return STATUS_TEXT[row.preset_status]
    if is_unvalidated(row):
        return (
            f"**changes the optimisation and is unvalidated**: no measured run has shown it within noise of the "
            f"faithful `{FAITHFUL_PRESET}` preset on one cell, so these numbers are not the paper's recipe"
        )
    return STATUS_TEXT["faithful"] if row.faithful else "not recorded: cannot tell whether it is the paper's recipe"


def presets_markdown(rows: Sequence[RunRow]) -> str:
    """One line per preset found in the finished runs: faithful, or changes the optimisation and is unvalidated."""
    done = [row for row in rows if row.status == "done" and row.in_domain]
    groups: dict[tuple[str, str], list[RunRow]] = {}
    for row in done:
        groups.setdefault((str(row.preset), status_text(row)), []).append(row)
    if not groups:
        return ""
    lines = ["**Recipe.**"]
    for (preset, text), members in sorted(groups.items()):
        runs = f"{len(members)} run{'s' if len(members) != 1 else ''}"
        systems = ", ".join(sorted({f"`{row.variant}`" for row in members}))
        if preset == "None":
            lines.append(
                f"- preset not recorded ({runs}, rows of results.json): cannot tell whether it is the paper's recipe."
            )
        else:
            lines.append(f"- `{preset}`, {systems} ({runs}): {text}.")
    weights = Counter(row.test_weights or "not recorded" for row in done)
    lines.append(
        "- Test weights: "
        + ", ".join(f"{WEIGHTS_TEXT.get(k, k)} ({n} run{'s' if n != 1 else ''})" for k, n in sorted(weights.items()))
        + "; the paper's code tested the last epoch's (`--test-weights last`)."
    )
    return "\n".join(lines) + "\n"


WEIGHTS_TEXT = {"best": "the best validation epoch's (ROUGE-2)", "last": "the last epoch's"}


def differences_markdown() -> str:
    lines = [
        "## Differences from the paper's code",
        "",
        "What stays different even under the faithful preset (docs/paper-fidelity.md); `cls-data benchmark "
        "--paper-code` trains with the paper code's precision, micro-batches, shuffled batches, clipping, "
        "determinism, generation length, lowercased English targets and mean base weighting instead; "
        "`--test-weights last` tests as it did; `build vi2zh --release` gives its data:",
        "",
        "| what | the paper's code | cls-data |",
        "|---|---|---|",
    ]
    lines += [f"| {topic} | {theirs} | {ours} |" for topic, theirs, ours in DIFFERENCES]
    return "\n".join(lines) + "\n"
