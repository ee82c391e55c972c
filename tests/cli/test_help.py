"""`--help` of crawl, rouge and stats: readable flags, required options marked, nothing cut, ranges shown."""

import pytest
import typer

from cls_data.cli.app import app

COMMANDS = ("crawl", "rouge", "stats")


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_no_bool_placeholder_and_cuts_nothing(run_cli, command):
    result = run_cli(command, "--help", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert "<bool>" not in result.stdout and "…" not in result.stdout and "<list[str]>" not in result.stdout
    if command == "crawl":  # a wrapped default is still whole
        from cls_data.crawl.config import DEFAULT_USER_AGENT

        assert "[default: 10.0; x>=0.01]" in " ".join(result.stdout.split())
        assert "".join(DEFAULT_USER_AGENT.split()) in "".join(result.stdout.split())


def test_required_options_are_marked(run_cli):
    assert "[required]" in run_cli("rouge", "--help").stdout.split("--lang", 1)[1].split("--json")[0]
    crawl_help = " ".join(run_cli("crawl", "--help").stdout.split())
    assert "Article JSONL to append to. [required unless --list]" in crawl_help


@pytest.mark.parametrize("command", COMMANDS)
def test_every_numeric_option_has_a_range(command):
    cmd = typer.main.get_command(app).commands[command]
    numeric = [p for p in cmd.params if p.type_descriptor.annotation in (int, float, int | None, float | None)]
    assert not [p.name for p in numeric if p.min is None and p.max is None]
    assert command != "crawl" or len(numeric) >= 10
