"""`cls-data filter`: round-trip translate summaries, score by ROUGE, keep the top K."""

from __future__ import annotations

import enum
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from cls_data.cli.console import err, out
from cls_data.filter.select import RANK_BY, SCORES  # light modules: no backend or model is imported
from cls_data.translate import BACKENDS

# Choices come from the library's own lists, so a new backend or scheme needs no edit here.
Backend = enum.Enum("Backend", {n: n for n in BACKENDS}, type=str)
RankBy = enum.Enum("RankBy", {n: n for n in RANK_BY}, type=str)
ScoreKind = enum.Enum("ScoreKind", {n: n for n in SCORES}, type=str)


def filter_(
    input: Annotated[Path, typer.Argument(help="Article JSONL (crawl output) or CLSSample JSONL.")],
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            rich_help_panel="Output and selection",
            help="Output folder: scored/kept/failures.jsonl, report.json/png.",
        ),
    ],
    keep: Annotated[
        int | None,
        typer.Option(
            "--keep",
            "-k",
            rich_help_panel="Output and selection",
            help="How many of the best distinct samples to keep (1 or more). Optional with a threshold: then every "
            "sample that passes is kept.",
        ),
    ] = None,
    translator: Annotated[
        Backend, typer.Option("--translator", rich_help_panel="Translation backend", help="Translation backend.")
    ] = Backend.google,
    translator_url: Annotated[
        str | None,
        typer.Option(
            "--translator-url",
            rich_help_panel="Translation backend",
            help="LibreTranslate server URL; openai: the server's /v1 URL (key from $OPENAI_API_KEY); for google an "
            "endpoint override. Several, comma-separated: replicas of one model, requests spread by load, a "
            "failing one drained and retried later.",
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            rich_help_panel="Translation backend",
            help="hf: model name or local path (NLLB-200, M2M100, mBART-50, Marian); openai: the served model's name.",
        ),
    ] = None,
    src: Annotated[
        str,
        typer.Option(
            "--src",
            rich_help_panel="Translation backend",
            help="Source language of the summaries (any code of docs/languages.md).",
        ),
    ] = "vi",
    tgt: Annotated[str, typer.Option("--tgt", rich_help_panel="Translation backend", help="Target language.")] = "zh",
    cache: Annotated[
        Path | None,
        typer.Option(
            "--cache",
            rich_help_panel="Translation backend",
            help="SQLite translation cache (default: ~/.cache/cls-data/translations.sqlite, or under $XDG_CACHE_HOME).",
        ),
    ] = None,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency", rich_help_panel="Requests and retries", help="Requests in flight at once (1 or more)."
        ),
    ] = 4,
    rate: Annotated[
        float,
        typer.Option(
            "--rate", rich_help_panel="Requests and retries", help="Most requests per second (0 or more; 0: no limit)."
        ),
    ] = 0.0,
    retries: Annotated[
        int,
        typer.Option(
            "--retries",
            rich_help_panel="Requests and retries",
            help="Retries per request on 429, 5xx, timeouts (0 or more).",
        ),
    ] = 6,
    backoff: Annotated[
        float,
        typer.Option(
            "--backoff",
            rich_help_panel="Requests and retries",
            help="First retry delay in seconds (0 or more), doubled each retry, with jitter.",
        ),
    ] = 1.0,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", rich_help_panel="Requests and retries", help="Seconds to wait for one answer (more than 0)."
        ),
    ] = 30.0,
    give_up_after: Annotated[
        float,
        typer.Option(
            "--give-up-after",
            rich_help_panel="Requests and retries",
            help="Stop (exit 2, progress kept in the cache) when no request has succeeded for this many seconds (more "
            "than 0).",
        ),
    ] = 300.0,
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size",
            rich_help_panel="Requests and retries",
            help="Texts per LibreTranslate / openai request, per hf batch (1 or more).",
        ),
    ] = 16,
    no_pack: Annotated[
        bool, typer.Option("--no-pack", rich_help_panel="Requests and retries", help="One text per request.")
    ] = False,
    no_language_check: Annotated[
        bool,
        typer.Option(
            "--no-language-check",
            rich_help_panel="Requests and retries",
            help="Accept answers not in the target language's script (echoes and empty answers are still rejected): "
            "for a pair the checks misjudge.",
        ),
    ] = False,
    rank_by: Annotated[
        RankBy,
        typer.Option(
            "--rank-by",
            rich_help_panel="Output and selection",
            help="Score that ranks: mean of ROUGE-1/2/L F1, or one of them.",
        ),
    ] = RankBy.mean,
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score",
            rich_help_panel="Output and selection",
            help="Drop samples whose ranking score is below this (0-1).",
        ),
    ] = None,
    min_rouge1: Annotated[
        float | None,
        typer.Option(
            "--min-rouge1",
            rich_help_panel="Output and selection",
            help="Drop samples with round-trip ROUGE-1 F1 below this (0-1).",
        ),
    ] = None,
    min_rouge2: Annotated[
        float | None,
        typer.Option(
            "--min-rouge2",
            rich_help_panel="Output and selection",
            help="Drop samples with round-trip ROUGE-2 F1 below this (0-1).",
        ),
    ] = None,
    score: Annotated[
        ScoreKind,
        typer.Option(
            "--score", rich_help_panel="Scoring", help="roundtrip (the paper), xsim (embedding similarity) or both."
        ),
    ] = ScoreKind.roundtrip,
    encoder: Annotated[
        str | None,
        typer.Option(
            "--encoder",
            rich_help_panel="Scoring",
            help="Encoder for xsim (e.g. sentence-transformers/LaBSE or a path).",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", rich_help_panel="Output and selection", help="No progress bars.")
    ] = False,
) -> None:
    """Translate each summary, translate it back, score the round trip with ROUGE, keep the top K."""
    from cls_data.errors import ClsDataError, Interrupted
    from cls_data.filter.run import FilterConfig, run_filter

    command = shlex.join(["cls-data", *sys.argv[1:]])
    config = FilterConfig(
        input=input,
        out=out_dir,
        keep=keep,
        translator=translator.value,
        src=src,
        tgt=tgt,
        translator_url=translator_url,
        model=model,
        cache=cache,
        concurrency=concurrency,
        rate=rate,
        max_retries=retries,
        backoff_base=backoff,
        timeout=timeout,
        batch_size=batch_size,
        pack=not no_pack,
        rank_by=rank_by.value,
        min_score=min_score,
        min_rouge1=min_rouge1,
        min_rouge2=min_rouge2,
        score=score.value,
        encoder=encoder,
        give_up_after=give_up_after,
        check_language=not no_language_check,
        command=command,
    )
    try:
        with progress_bars(enabled=not quiet) as on_progress:
            result = run_filter(config, on_progress=on_progress)
    except KeyboardInterrupt:  # outside a translation pass (those say how much is cached)
        raise Interrupted(f"interrupted; finished translations are in the cache. Resume with: {command}") from None
    _print_report(result.report, out_dir)
    for note in result.notes:
        err.print(f"[bold yellow]warning:[/] {note}", soft_wrap=True)
    counts = result.report.counts
    if not counts.kept:  # a run that keeps nothing must not look like a success
        why = (
            f"no summary could be translated ({result.report.main_failure}; see {out_dir / 'failures.jsonl'})"
            if not counts.scored
            else f"none of the {counts.scored:,} scored samples passed the thresholds"
        )
        raise ClsDataError(f"nothing kept: {why}")


def _print_report(report: Any, out_dir: Path) -> None:
    """What was kept and why the rest was not, the requests it took, the answers rejected."""
    counts = report.counts
    cutoff = "n/a" if report.cutoff is None else f"{100 * report.cutoff:.2f}"
    ranked_by = report.rank_by if report.score == "roundtrip" else report.ranking_score
    passed = f", {counts.duplicates:,} duplicates dropped" if counts.duplicates else ""
    if counts.passed_thresholds != counts.scored - counts.duplicates:
        passed += f", {counts.passed_thresholds:,} passed the thresholds"
    failed = f"{counts.failed:,} failed to translate"
    failed += f", {report.main_failure}" if report.main_failure else ""
    out.print(
        f"kept {counts.kept:,} of {counts.scored:,} scored{passed} ({counts.input:,} read, "
        f"{failed}); cut-off {ranked_by} {cutoff} (x100)",
        soft_wrap=True,
        markup=False,
    )
    out.print(
        f"requests sent {report.requests_sent:,} ({report.retries:,} retries), cache hits {report.cache_hits:,}, "
        f"{report.seconds:.1f} s -> {out_dir}/"
    )
    servers: dict[str, int] = {}
    for stats in report.translation.values():
        for url, n in stats.servers.items():
            servers[url] = servers.get(url, 0) + n
    if servers:
        out.print(
            "texts answered per server: " + ", ".join(f"{url} {n:,}" for url, n in servers.items()),
            soft_wrap=True,
            markup=False,
        )
    if report.rejects:
        out.print(
            "rejected answers (not cached, asked again): "
            + ", ".join(f"{reason} {n:,}" for reason, n in report.rejects.items()),
            soft_wrap=True,
        )


@contextmanager
def progress_bars(enabled: bool) -> Iterator[Callable[[str, int, int], None]]:
    """Yields an `on_progress(pass, settled, total)` callback that draws one rich bar per translation pass."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not enabled,
    )
    tasks: dict[str, int] = {}

    def on_progress(name: str, settled: int, total: int) -> None:
        if name not in tasks:
            tasks[name] = progress.add_task(f"translate {name}", total=total)
        progress.advance(tasks[name], settled)

    with progress:
        yield on_progress
