"""The one way tests launch `cls-data`: the real entry point in a subprocess, offline, as a user runs it.

`run_cli("benchmark", "--plan", ...)` returns the CompletedProcess (text stdout/stderr). `preload` imports
modules first, the way a plugin registers a variant, family or weighting before the CLI builds its help;
stdout's last line is then `HEAVY: torch,...`, the heavy modules the command imported (a light command
imports none).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

_LAUNCH = """
import importlib, sys
for module in {preload!r}:
    importlib.import_module(module)
from cls_data.cli.app import main
sys.argv = ["cls-data", *sys.argv[1:]]
code = 0
try:
    main()
except SystemExit as exit:
    code = exit.code or 0
if {report_heavy!r}:
    heavy = sorted(m for m in ("torch", "transformers", "datasets", "accelerate") if m in sys.modules)
    print("HEAVY:", ",".join(heavy))
sys.exit(code)
"""
OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}


def run_cli(
    *args: str | os.PathLike[str],
    env: dict[str, str] | None = None,
    timeout: float = 600,
    cwd: str | os.PathLike[str] | None = None,
    preload: Sequence[str] = (),
    report_heavy: bool = False,
    input: str | None = None,
) -> subprocess.CompletedProcess:
    """`cls-data ARGS...` in a subprocess of this interpreter (the worktree's code), offline unless this process's
    environment sets HF_HUB_OFFLINE itself (a test of a local Hub); `env` adds to or overrides the environment,
    e.g. {"COLUMNS": "100"} for the width rich lays help out in."""
    environment = {**OFFLINE, **os.environ, **(env or {})}  # offline unless the test's environment says otherwise
    return subprocess.run(
        cli_command(*args, preload=preload, report_heavy=report_heavy),
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        cwd=cwd,
        input=input,
    )


def cli_command(*args: str | os.PathLike[str], preload: Sequence[str] = (), report_heavy: bool = False) -> list[str]:
    """The argv that launches `cls-data ARGS` (for `subprocess.Popen`, when a test signals the process)."""
    code = _LAUNCH.format(preload=tuple(preload), report_heavy=report_heavy)
    return [sys.executable, "-c", code, *map(str, args)]
