"""`cls-data publish`: push a finished run's best model, tokenizer, generation config and model card to the Hub."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cls_data.cli.console import err, out


def publish(
    run_dir: Annotated[
        Path,
        typer.Argument(
            metavar="RUN_FOLDER", help="A finished run folder, e.g. RUNS/Vi2ZhLow/tflcls/tflcls/r2/n5000/seed0."
        ),
    ],
    repo: Annotated[str, typer.Option("--repo", metavar="OWNER/NAME", help="The Hub model repo to create or update.")],
    private: Annotated[bool, typer.Option("--private", help="Create the repo private.")] = False,
    allow: Annotated[
        bool,
        typer.Option(
            "--allow",
            help="Publish although the dataset's licence forbids redistributing derived text (NCLS), or is unknown: "
            "only if you hold that right.",
        ),
    ] = False,
    license_id: Annotated[
        str | None,
        typer.Option(
            "--license",
            metavar="ID",
            help="Hub licence id of the model [default: the training data's terms, usually 'other'].",
        ),
    ] = None,
    dataset_id: Annotated[
        str | None,
        typer.Option(
            "--dataset-id",
            metavar="OWNER/NAME",
            help="The dataset's Hub id, for the card [default: the run's dataset name].",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the run and list the files that would be pushed; send nothing.")
    ] = False,
) -> None:
    """Push a run's best model as a folder transformers loads as is, with a model card the Hub renders."""
    from cls_data.publish.run import PublishConfig, publish_run

    result = publish_run(
        PublishConfig(
            run_dir=run_dir,
            repo_id=repo,
            private=private,
            allow=allow,
            license=license_id,
            dataset_id=dataset_id,
            dry_run=dry_run,
        )
    )
    for note in result.notes:
        err.print(f"note: {note}", soft_wrap=True, markup=False)
    if dry_run:
        out.print(
            f"would push {len(result.files)} files to {result.url} (dry run: nothing sent):",
            soft_wrap=True,
            markup=False,
        )
        for name, size in result.sizes.items():
            out.print(f"  {name}  {size:,} bytes", soft_wrap=True, markup=False)
        return
    scores = ", ".join(f"{name} {value:.2f}" for name, value in result.scores.items())
    out.print(
        f"pushed {len(result.files)} files to {result.url} (test ROUGE x100: {scores})", soft_wrap=True, markup=False
    )
