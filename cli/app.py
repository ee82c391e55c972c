"""The `cls-data` Typer app; every command lives in its own small module."""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from cls_data import __version__
from cls_data.cli import benchmark, build, cache, crawl, demo, publish, rouge, score, stats
from cls_data.cli import filter as filter_cmd
from cls_data.cli import report as report_cmd
from cls_data.cli.console import err
from cls_data.cli.options import PanelCommand
from cls_data.errors import ClsDataError

app = typer.Typer(
    name="cls-data",
    help="Build low-resource cross-lingual summarization datasets, benchmark models on them, and report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
# In pipeline order, which is the order --help lists them in.
app.command("demo")(demo.demo)
app.command("crawl", no_args_is_help=True, cls=PanelCommand)(crawl.crawl)  # options grouped under headings
app.command("filter", no_args_is_help=True, cls=PanelCommand)(filter_cmd.filter_)
app.command("build", no_args_is_help=True)(build.build)
app.command("benchmark", no_args_is_help=True, cls=PanelCommand)(benchmark.benchmark)
app.command("score", no_args_is_help=True)(score.score)  # finished runs on another test set (CrossSum)
app.command("publish", no_args_is_help=True)(publish.publish)
app.command("stats", no_args_is_help=True)(stats.stats)
app.command("rouge", no_args_is_help=True)(rouge.rouge)
app.add_typer(report_cmd.app, name="report")
app.add_typer(cache.app, name="cache")  # maintenance of the filter's translation cache


def _version(value: bool) -> None:
    if value:
        print(f"cls-data {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """cls-data: crawl, filter, build and benchmark cross-lingual summarization datasets."""


# The click that typer parses with (typer >= 0.20 carries its own copy): its exception classes.
_CLICK = sys.modules[typer.BadParameter.__module__]
_NO_ARGS = getattr(_CLICK, "NoArgsIsHelpError", ())


def main() -> None:
    try:
        # click's own errors come here, to be said in our one-line style; the name is ours under `python -c` too
        status = app(standalone_mode=False, prog_name="cls-data")
    except _NO_ARGS as exc:  # a bare `cls-data build`: its help, as before
        exc.show()
        sys.exit(exc.exit_code)
    except _CLICK.ClickException as exc:  # a bad option value, an unknown option, a missing argument
        err.print(f"[bold red]error:[/] {escape(_click_error(exc))}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Abort:  # Ctrl-C outside a command that says how to resume
        err.print("[bold red]error:[/] interrupted", soft_wrap=True)
        sys.exit(130)
    except ClsDataError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(getattr(exc, "exit_code", 2))
    sys.exit(status if isinstance(status, int) else 0)  # typer.Exit(n) comes back as its status


def _click_error(exc: Exception) -> str:
    """ "invalid value for '--preset': 'nosuch' is not one of ... (see cls-data benchmark --help)"."""
    message = exc.format_message().replace("Value error, ", "").rstrip(".")
    message = message[:1].lower() + message[1:]
    ctx = getattr(exc, "ctx", None)
    return f"{message} (see {ctx.command_path} --help)" if ctx is not None else message
