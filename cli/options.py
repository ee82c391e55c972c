"""Option types shared by several commands."""

from __future__ import annotations

import enum

import click
from typer.core import TyperCommand

from cls_data.languages import OPT_IN_SCHEMES, SCHEMES  # names only: the CLI starts without the `regex` module
from cls_data.text import TOKENIZERS

# An Enum makes Typer list the choices in --help and reject unknown ones with one line.
_NAMES = dict.fromkeys([*TOKENIZERS, *SCHEMES, *OPT_IN_SCHEMES])
Lang = enum.Enum("Lang", {name.replace("-", "_"): name for name in _NAMES}, type=str)


class PanelCommand(TyperCommand):
    """A command whose plain-text --help lists its options under headings (each option's `rich_help_panel`),
    in the order the headings first appear; options without one (e.g. --help) come last under "Other options".
    `app.command(..., cls=PanelCommand)` for commands with many options (crawl, filter, benchmark)."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        arguments, panels = [], {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append(record)
            elif param.param_type_name == "option":
                panels.setdefault(getattr(param, "rich_help_panel", None) or "Other options", []).append(record)
        if arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(arguments)
        for name in sorted(panels, key=lambda name: name == "Other options"):
            with formatter.section(name):
                formatter.write_dl(panels[name])
