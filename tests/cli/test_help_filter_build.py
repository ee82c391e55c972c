"""`--help` of filter, build and cache: readable flags, required options marked, whole defaults, ranges."""

import re

import pytest

from tests.support.cli import run_cli


def help_text(*command: str) -> str:
    done = run_cli(*command, "--help", timeout=60, env={"COLUMNS": "100"})
    assert done.returncode == 0, done.stderr
    return done.stdout


def option_block(text: str, option: str) -> str:
    """The help of one option: its line and the indented lines that continue it."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.search(rf"(^|[ ,]){re.escape(option)}\b", line))
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if re.match(r"^\s{10,}\S", line):
            block.append(line)
        else:
            break
    return " ".join(" ".join(block).split())


@pytest.mark.parametrize("command", [("filter",), ("build",), ("cache", "purge")])
def test_flags_show_no_value_placeholder(command):
    text = help_text(*command)
    assert "<bool>" not in text


def test_filter_help_marks_required_shows_ranges_and_keep_is_optional():
    text = help_text("filter")
    assert "[required]" in option_block(text, "--out")
    keep = option_block(text, "--keep")
    assert "[required]" not in keep and "Optional with a threshold" in keep
    for option, range_ in (
        ("--concurrency", "1 or more"),
        ("--retries", "0 or more"),
        ("--batch-size", "1 or more"),
        ("--timeout", "more than 0"),
        ("--give-up-after", "more than 0"),
        ("--rate", "0 or more"),
        ("--backoff", "0 or more"),
        ("--min-score", "0-1"),
        ("--min-rouge1", "0-1"),
        ("--min-rouge2", "0-1"),
        ("--keep", "1 or more"),
    ):
        assert range_ in option_block(text, option), option
    assert "[default: 300.0]" in option_block(text, "--give-up-after")


def test_build_help_shows_whole_defaults_and_option_names():
    text = help_text("build")
    assert "[required]" in option_block(text, "--out")
    sizes = option_block(text, "--sizes").replace(" ", "")
    assert "[default:train=5000,validation=3000,test=3000,subsets=1000+3000]" in sizes
    assert "--i-may-redistribute-ncls " in text
    assert "any whole number" in option_block(text, "--seed")
