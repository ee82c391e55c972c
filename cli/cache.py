"""`cls-data cache`: look into the translation cache and repair it (stats, purge)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cls_data.cli.console import out
from cls_data.errors import ClsDataError

app = typer.Typer(help="Look into the translation cache and repair it.", no_args_is_help=True)

CacheOption = Annotated[
    Path | None,
    typer.Option(
        "--cache",
        help="SQLite translation cache (default: ~/.cache/cls-data/translations.sqlite, or under $XDG_CACHE_HOME).",
    ),
]


def _open(path: Path | None):
    from cls_data.translate import DEFAULT_CACHE, TranslationCache

    path = path or DEFAULT_CACHE
    if not path.is_file():
        raise ClsDataError(f"no translation cache at {path}")
    return TranslationCache(path)


@app.command("stats")
def stats(cache: CacheOption = None) -> None:
    """Cached translations per backend, model (a LibreTranslate server's URL) and language pair."""
    store = _open(cache)
    try:
        table = Table(title=f"translation cache {store.path}")
        for column in ("backend", "model", "src", "tgt"):
            table.add_column(column)
        table.add_column("translations", justify="right")
        for *key, rows in store.stats():
            table.add_row(*key, f"{rows:,}")
        out.print(table)
    finally:
        store.close()


@app.command("purge")
def purge(
    cache: CacheOption = None,
    backend: Annotated[
        str | None,
        typer.Option("--backend", help="Only this backend's translations (google, libretranslate, hf, openai)."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Only this model (a LibreTranslate server's URL, an hf model name)."),
    ] = None,
    invalid: Annotated[
        bool,
        typer.Option(
            "--invalid",
            help="Only answers that fail today's validation: echoes of the source, empty answers, the wrong script.",
        ),
    ] = False,
    everything: Annotated[
        bool, typer.Option("--all", help="Allow deleting every translation when no other option narrows the purge.")
    ] = False,
) -> None:
    """Delete cached translations so that the next `filter` asks for them again."""
    if not (backend or model or invalid or everything):
        raise ClsDataError("say what to purge: --backend, --model, --invalid, or --all for everything")
    store = _open(cache)
    try:
        deleted = store.purge(backend=backend, model=model, invalid=invalid)
        left = len(store)
    finally:
        store.close()
    reasons = ", ".join(f"{reason}: {n:,}" for reason, n in sorted(deleted.items()) if reason != "selected")
    out.print(
        f"deleted {sum(deleted.values()):,} translations"
        + (f" ({reasons})" if reasons else "")
        + f"; {left:,} left in {store.path}",
        soft_wrap=True,
        markup=False,
    )
