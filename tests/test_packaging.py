"""The wheel as a user gets it: built without setuptools warnings, installed in a fresh environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "cls_data", "cli", "spiders", "modelcards")


def _run(args: list, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, env=env, **kwargs)


def test_the_wheel_builds_without_warnings_and_its_cli_runs_from_a_fresh_environment(tmp_path):
    pytest.importorskip("build")
    src = tmp_path / "src"  # a copy: building in the checkout would leave build/ and egg-info behind
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    # No pip of its own: the base interpreter's pip, build and setuptools serve it (the project's
    # dependencies too, so nothing is downloaded), and only the wheel's cls_data is in the venv.
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    built = _run([python, "-m", "build", "--wheel", "--no-isolation", "--outdir", tmp_path / "dist", src])
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    log = built.stdout + built.stderr
    assert "warning" not in log.lower(), [line for line in log.splitlines() if "warn" in line.lower()]
    [wheel] = (tmp_path / "dist").glob("cls_data-*.whl")
    installed = _run([python, "-m", "pip", "install", "--no-index", "--no-deps", "--no-build-isolation", wheel])
    assert installed.returncode == 0, installed.stderr
    where = _run([python, "-c", "import cls_data.demo, cls_data.spiders.dantri; print(cls_data.__file__)"], cwd=tmp_path)
    assert where.stdout.strip().startswith(str(venv)), where.stdout + where.stderr  # the wheel, not a checkout
    demo = _run([venv / "bin" / "cls-data", "demo", "--help"], cwd=tmp_path)
    assert demo.returncode == 0 and "Usage: cls-data demo" in demo.stdout, demo.stderr
    sample = _run([python, "-c", "from importlib.resources import files; "
                   "print(sorted(p.name for p in files('cls_data.demo').joinpath('sample').iterdir()))"], cwd=tmp_path)
    assert "articles.json" in sample.stdout and "templates" in sample.stdout, sample.stderr
    data = _run([python, "-c", "from cls_data.languages import languages; from cls_data.demo.pair import load_pair; "
                 "print(len(languages()), load_pair('de-en').sites_file.name)"], cwd=tmp_path)  # languages.tsv, pairs
    assert data.returncode == 0 and "sites.toml" in data.stdout and int(data.stdout.split()[0]) > 50, data.stderr
