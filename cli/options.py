"""Option types shared by several commands."""

from __future__ import annotations

import enum

from cls_data.text import TOKENIZERS

# An Enum makes Typer list the choices in --help and reject unknown ones with one line.
Lang = enum.Enum("Lang", {name.replace("-", "_"): name for name in TOKENIZERS}, type=str)
