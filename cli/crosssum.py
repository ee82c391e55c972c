"""`cls-data build crosssum --pair vi-zh --from PATH`: CrossSum's pairs as a test-only dataset folder."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from cls_data.cli.console import err, out
from cls_data.errors import ClsDataError


def build_crosssum_command(pair: str | None, source: str | None, out_dir: Path) -> None:
    from cls_data.dataset.crosssum import build_crosssum

    if not pair or not source:
        raise ClsDataError("build crosssum needs --pair SRC-TGT and --from PATH (CrossSum's files) or the Hub id")
    result = build_crosssum(
        source, pair, out_dir, on_progress=lambda m: err.print(f"[dim]{escape(m)}…[/]", soft_wrap=True)
    )
    out.print(
        f"{result.kept:,} of {result.read:,} pairs kept from {len(result.files)} file(s); wrote {result.folder} "
        "(test only; CC BY-NC-SA 4.0)",
        soft_wrap=True,
        markup=False,
    )
    for reason, n in sorted(result.dropped.items()):
        out.print(f"dropped {n:,}: {reason}", soft_wrap=True, markup=False)
    out.print(f"score trained runs on it: cls-data score RUNS --on {result.folder}", soft_wrap=True, markup=False)
