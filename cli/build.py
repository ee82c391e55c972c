"""`cls-data build`: the Vi2ZhLow, En2ZhLow and Zh2EnLow dataset folders, optionally pushed to the Hub."""

from __future__ import annotations

import enum
import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cls_data.cli.console import err, out
from cls_data.dataset.kinds import KINDS  # light: the specs, no reader

# Choices come from the kind registry, so a new kind needs no edit here.
Kind = enum.Enum("Kind", {**{name: name for name in KINDS}, "crosssum": "crosssum"}, type=str)
KINDS_HELP = ", ".join(f"{k.name} ({k.help})" for k in KINDS.values()) + (
    ", crosssum (CrossSum's human-written pairs as a test-only folder: --pair vi-zh --from PATH|HUB_ID)"
)
NAMES = ", ".join(k.dataset for k in KINDS.values())


def build(
    kind: Annotated[Kind, typer.Argument(help=KINDS_HELP)],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help=f"Folder that receives <Name>/ ({NAMES}).")],
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="kept.jsonl; or NCLS files / the folder holding them; CLSSample JSONL also works. None with "
            "--release or for crosssum (--from)."
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Sampling seed (any whole number); same input and seed give the same splits anywhere.")
    ] = 0,
    sizes: Annotated[
        str | None,
        typer.Option(
            help="Split sizes and nested train subsets. Left out, one pool a little short of the total gives train "
            "what is left (rounded down to a hundred) [default: "
            "train=5000,validation=3000,test=3000,subsets=1000+3000]"
        ),
    ] = None,
    lcsts: Annotated[
        list[Path] | None,
        typer.Option("--lcsts", help="LCSTS PART_I.txt (zh2en: the Chinese articles, joined by id). Repeatable."),
    ] = None,
    tags: Annotated[
        str | None,
        typer.Option("--tags", help="NCLS summary tags under other names: en=NAME,zh=NAME (e.g. en=en-summary)."),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Fail (write nothing) when near-duplicates leak across splits or a summary is not in its language "
            "(without it such samples are dropped, counted and listed in <Name>.rejects.jsonl beside the folder).",
        ),
    ] = False,
    ids_only: Annotated[
        bool,
        typer.Option("--ids-only", help="Write the card and ids.json manifest but no text (shareable for NCLS data)."),
    ] = False,
    ids: Annotated[
        Path | None,
        typer.Option("--ids", help="Rebuild exactly the splits listed in an ids.json manifest (from --ids-only)."),
    ] = None,
    translator: Annotated[
        str | None,
        typer.Option(
            "--translator", help="vi2zh: translation backend to name in the card when the records do not carry it."
        ),
    ] = None,
    license_id: Annotated[
        str, typer.Option("--license", help="Hub licence id for vi2zh (NCLS-derived data is always 'other').")
    ] = "other",
    push_to_hub: Annotated[
        str | None, typer.Option("--push-to-hub", metavar="REPO_ID", help="Upload the folder as a Hub dataset repo.")
    ] = None,
    private: Annotated[bool, typer.Option("--private", help="Create the Hub repo private.")] = False,
    allow_public_ncls: Annotated[
        bool,
        typer.Option(
            "--i-may-redistribute-ncls",
            help="Override the refusal to push NCLS-derived text publicly (only if you hold that right).",
        ),
    ] = False,
    release: Annotated[
        Path | None,
        typer.Option(
            "--release",
            metavar="DIR",
            help="vi2zh: the paper's released CSVs (its repository's mbart_base/src/dataset/vi2zh/) as a dataset "
            "folder with the paper's splits in file order, flawed rows flagged, not dropped "
            "(docs/paper-fidelity.md).",
        ),
    ] = None,
    release_commit: Annotated[
        str | None,
        typer.Option(
            "--release-commit", metavar="SHA", help="With --release: the release's git commit, named in the card."
        ),
    ] = None,
    clean: Annotated[
        bool,
        typer.Option(
            "--clean", help="With --release: drop the flagged rows (then the splits are no longer the paper's)."
        ),
    ] = False,
    src: Annotated[
        str | None, typer.Option("--src", help="pair: source language (a code of docs/languages.md, e.g. de).")
    ] = None,
    tgt: Annotated[str | None, typer.Option("--tgt", help="pair: target language (e.g. en).")] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="pair: dataset name [default: <Src>2<Tgt>Low, e.g. De2EnLow].")
    ] = None,
    pair: Annotated[str | None, typer.Option("--pair", help="crosssum: the direction, SRC-TGT (e.g. vi-zh).")] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="crosssum: CrossSum's released file(s) for the direction (a .jsonl or the folder), or the Hub id "
            "csebuetnlp/CrossSum when online.",
        ),
    ] = None,
) -> None:
    """Deduplicate, split (train + nested subsets, validation, test) and write a Hub-ready dataset folder."""
    if kind.value == "crosssum":
        from cls_data.cli.crosssum import build_crosssum_command

        return build_crosssum_command(pair, from_, out_dir)
    if release is not None or clean or release_commit:
        from cls_data.dataset.release import ReleaseConfig, build_release, check_release_args

        check_release_args(kind.value, inputs or [], release, push_to_hub)
        config = ReleaseConfig(
            release=release,
            out=out_dir,
            clean=clean,
            commit=release_commit,
            command=shlex.join(["cls-data", *sys.argv[1:]]),
        )
        result = build_release(
            config, on_progress=lambda message: err.print(f"[dim]{escape(message)}…[/]", soft_wrap=True)
        )
        out.print(release_table(result))
        out.print(f"wrote {result.folder}", soft_wrap=True, markup=False)
        return
    from cls_data.dataset.builder import BuildConfig, build_dataset
    from cls_data.dataset.ncls import parse_tags
    from cls_data.dataset.splits import SplitSizes

    if not inputs:
        raise typer.BadParameter("give the input files (or --release DIR for vi2zh)", param_hint="INPUTS")
    config = BuildConfig(
        kind=kind.value,
        inputs=inputs,
        out=out_dir,
        seed=seed,
        sizes=SplitSizes.parse(sizes or ""),
        lcsts=lcsts or [],
        strict=strict,
        ids_only=ids_only,
        license=license_id,
        command=shlex.join(["cls-data", *sys.argv[1:]]),
        ids_manifest=ids,
        repo_id=push_to_hub,
        translator=translator,
        tags=parse_tags(tags),
        fit_train=sizes is None,
        src=src,
        tgt=tgt,
        name_override=name,
    )
    if push_to_hub:  # refuse before spending time on the build
        from cls_data.dataset.hub import check_push_allowed

        check_push_allowed(kind.value, ids_only, private, allow_public_ncls)
    result = build_dataset(config, on_progress=lambda message: err.print(f"[dim]{escape(message)}…[/]", soft_wrap=True))
    out.print(summary_table(result))
    out.print(
        f"wrote {result.folder}" + (" (ids only, no text)" if result.ids_only else ""), soft_wrap=True, markup=False
    )
    if result.rejects:
        dropped = ", ".join(f"{n:,} dropped: {reason}" for reason, n in result.unpublishable.items())
        out.print(f"{dropped} (listed with their reason in {result.rejects})", soft_wrap=True, markup=False)
    for problem in result.parse.problems:
        err.print(f"skipped {problem}", soft_wrap=True, markup=False)
    if result.parse.malformed > len(result.parse.problems):
        err.print(f"skipped {result.parse.malformed - len(result.parse.problems):,} more malformed blocks (not listed)")
    for note in result.notes:
        err.print(f"[bold yellow]warning:[/] {escape(note)}", soft_wrap=True)
    if push_to_hub:
        from cls_data.dataset.hub import push_folder

        url = push_folder(result.folder, push_to_hub, private=private, allow_public_ncls=allow_public_ncls)
        out.print(f"pushed to {url}", soft_wrap=True, markup=False)


def summary_table(result) -> Table:
    table = Table(title=f"{result.name}: {result.read:,} samples read", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for reason, n in sorted(result.dropped.items()):
        table.add_row(f"dropped: {reason}", f"{n:,}")
    if result.parse.malformed:
        table.add_row("skipped: malformed blocks (listed on stderr)", f"{result.parse.malformed:,}")
    for reason, n in result.unmatched.items():
        table.add_row(f"skipped: {reason}", f"{n:,}")
    if result.parse.join_checked:
        table.add_row(
            "LCSTS join: summaries agreeing with NCLS's Chinese",
            f"{result.parse.join_agreed:,} of {result.parse.join_checked:,} ({result.parse.join_agreement:.1%})",
        )
    if not result.dropped and not result.parse.malformed and not result.unmatched:
        table.add_row("dropped", "none")
    for split, n in result.split_rows.items():
        table.add_row(f"split {split}", f"{n:,}")
    table.add_row("near-duplicates across splits (leakage)", f"{len(result.leaks):,}")
    for where, n in sorted(result.leak_by_field.items()):
        table.add_row(f"  {where}", f"{n:,}")
    if result.ids_only:
        table.add_row("text written", "no (--ids-only: ids.json manifest)")
    return table


def release_table(result) -> Table:
    table = Table(title="Vi2ZhLow from the paper's release", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for split, n in result.split_rows.items():
        table.add_row(f"split {split}", f"{n:,}")
    for reason, n in sorted(result.flagged.items()):
        table.add_row(f"flagged: {reason}", f"{n:,}")
    table.add_row(
        "rows flagged" if not result.dropped else "rows dropped (--clean)", f"{result.dropped or result.flagged_rows:,}"
    )
    table.add_row("two-target (_vi2vizh_sum_) files", "checked" if result.two_target else "absent")
    return table
