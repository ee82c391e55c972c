"""How far our runs are from the paper's code: which presets are unvalidated, and every remaining difference."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from cls_data.run_folder import RunRow

FAITHFUL_PRESET = "paper"

# Every difference between the engine and the paper's public code that stays even under the `paper`
# preset (docs/paper-fidelity.md says more); (topic, what the paper's code did, what we do).
DIFFERENCES: tuple[tuple[str, str, str], ...] = (
    ("precision", "fp32 throughout (PyTorch Lightning's default precision)",
     "bf16 autocast with fp32 master weights on a GPU (`precision = \"auto\"`), fp32 on a CPU"),
    ("batching", "every batch padded to 768 source / 128 target tokens, in random order",
     "length-grouped batches padded to their longest pair (rounded up to x64 / x16): the same batch sizes under "
     "`paper`, but which pairs share a batch differs"),
    ("clipping", "gradient norm clipped at 1.0 over every parameter its optimizer holds (Lightning's gradient_clip_val)",
     "gradient norm clipped at 1.0 over the model's parameters only; the learned loss weights sit in their own "
     "optimizer group, unclipped and without weight decay"),
    ("micro-batches", "4 x 4 (stage 1) and 2 x 8 (stage 2) accumulated, the mean of the micro-batches' mean token losses",
     "one micro-batch of 16 (halved with doubled accumulation only when it does not fit), the mean token loss over "
     "the 16 pairs"),
    ("determinism", "deterministic algorithms", "cuDNN/cuBLAS defaults (not bitwise reproducible on CUDA) unless "
     "`--deterministic`"),
    ("HU (Table 3)", "\"HU\" drew new random sigmas at every step and never learned them",
     "Kendall et al.'s HU: s = log sigma^2 learned; so Table 3's HU row is another method than the paper's"),
    ("second decoder", "the monolingual decoder got the cross-lingual decoder's attention mask and an untied, "
     "randomly initialised LM head", "its own mask, and its LM head tied to the shared embeddings"),
    ("generation", "decoder start and forced BOS both set to the target language (the code appears twice)",
     "the target language code once, as decoder start"),
    ("ROUGE", "F1 from the `rouge` package (pltrdy), which counts a repeated n-gram once",
     "rouge-score's F1 on the tokenizer named with each table; the two can differ by up to ~0.035 per pair"),
)


def is_unvalidated(row: RunRow) -> bool:
    """A recipe that changes the optimisation and has not been shown within noise of the faithful one."""
    return row.faithful is False


def presets_markdown(rows: Sequence[RunRow]) -> str:
    """One line per preset found in the finished runs: faithful, or changes the optimisation and is unvalidated."""
    counts = Counter((row.preset, row.faithful) for row in rows if row.status == "done" and row.in_domain)
    if not counts:
        return ""
    lines = ["**Recipe.**"]
    for (preset, faithful), n in sorted(counts.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))):
        runs = f"{n} run{'s' if n != 1 else ''}"
        if preset is None:
            lines.append(f"- preset not recorded ({runs}, rows of results.json): cannot tell whether it is the paper's recipe.")
        elif faithful:
            lines.append(f"- `{preset}` ({runs}): the paper's optimisation (its learning rates, batch sizes, schedule and "
                         "full-split validation); the differences that remain are listed under \"Differences from the "
                         "paper's code\".")
        else:
            lines.append(f"- `{preset}` ({runs}): **changes the optimisation and is unvalidated**: no measured run has "
                         f"shown it within noise of the faithful `{FAITHFUL_PRESET}` preset on one cell, so these "
                         "numbers are not the paper's recipe; compare them with the paper's with that in mind.")
    return "\n".join(lines) + "\n"


def differences_markdown() -> str:
    lines = ["## Differences from the paper's code", "",
             "What stays different even under the faithful preset (docs/paper-fidelity.md); `cls-data benchmark "
             "--paper-code` trains with the paper code's precision, micro-batches, shuffled batches, clipping and "
             "determinism instead:", "",
             "| what | the paper's code | cls-data |", "|---|---|---|"]
    lines += [f"| {topic} | {theirs} | {ours} |" for topic, theirs, ours in DIFFERENCES]
    return "\n".join(lines) + "\n"
