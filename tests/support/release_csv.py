"""The paper's Vi2ZhLow release as its repository lays it out: per split, `_cls_` (document -> Chinese summary),
`_tra_` (Vietnamese -> Chinese summary) and `_vi2vizh_sum_` (document -> both summaries joined by "O.o") CSV files
with the columns src,tgt, written as pandas' `to_csv` writes them (minimal quoting, "\\n" line ends). The rows are
`tests.support.release.release_samples`: 17 summaries not in Chinese and 59 repeated Vietnamese summaries among them."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.support.release import release_samples

PREFIXES = (("train", 5000), ("val", 3000), ("test", 3000))


def _write(path: Path, rows: list[tuple[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["src", "tgt"])
        writer.writerows(rows)


def write_release(folder: Path, sizes: tuple[int, int, int] = (5000, 3000, 3000), two_targets: bool = True) -> list:
    """Write the nine (or six) CSV files into `folder`; returns the samples in file order (train, val, test)."""
    folder.mkdir(parents=True, exist_ok=True)
    samples = release_samples(sum(sizes))
    start = 0
    for (prefix, _), n in zip(PREFIXES, sizes, strict=True):
        part = samples[start : start + n]
        start += n
        _write(folder / f"{prefix}_vi2zh_cls_dataset.csv", [(s.text, s.cls_summary) for s in part])
        _write(folder / f"{prefix}_vi2zh_tra_dataset.csv", [(s.summary, s.cls_summary) for s in part])
        if two_targets:  # the code reads split("O.o"): [0] the monolingual target, [1] the cross-lingual one
            two = [(s.text, f"{s.summary}O.o{s.cls_summary}") for s in part]
            _write(folder / f"{prefix}_vi2vizh_sum_dataset.csv", two)
    return samples
