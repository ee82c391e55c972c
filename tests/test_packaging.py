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


def see_the_running_environment(python: Path) -> None:
    """Make a new venv see the site-packages of the interpreter running the tests, after its own.

    `python -m venv` bases a venv on the base interpreter even when run from inside another venv, so
    --system-site-packages alone shows the base's packages, not the venv's that runs pytest (where
    `build` may be the only copy). `site.addsitedir` also runs those folders' .pth files; the
    editable checkout's finder that one of them installs comes after the venv's own packages, so the
    wheel's cls_data still wins (asserted below).
    """
    import site

    folders = [*site.getsitepackages(), *([site.getusersitepackages()] if site.ENABLE_USER_SITE else [])]
    where = _run([python, "-c", "import site; print(site.getsitepackages()[0])"])
    assert where.returncode == 0, where.stderr
    lines = [f"import site; site.addsitedir({folder!r})" for folder in folders if Path(folder).is_dir()]
    (Path(where.stdout.strip()) / "running_environment.pth").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_wheel_builds_without_warnings_and_its_cli_runs_from_a_fresh_environment(tmp_path):
    pytest.importorskip("build", reason="the `build` package is not installed for this interpreter (pip install build)")
    src = tmp_path / "src"  # a copy: building in the checkout would leave build/ and egg-info behind
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    # No pip of its own: the running interpreter's pip, build and setuptools serve it (the project's
    # dependencies too, so nothing is downloaded), and only the wheel's cls_data is in the venv.
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    see_the_running_environment(python)
    built = _run([python, "-m", "build", "--wheel", "--no-isolation", "--outdir", tmp_path / "dist", src])
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    log = built.stdout + built.stderr
    assert "warning" not in log.lower(), [line for line in log.splitlines() if "warn" in line.lower()]
    [wheel] = (tmp_path / "dist").glob("cls_data-*.whl")
    installed = _run([python, "-m", "pip", "install", "--no-index", "--no-deps", "--no-build-isolation", wheel])
    assert installed.returncode == 0, installed.stderr
    where = _run(
        [python, "-c", "import cls_data.demo, cls_data.spiders.dantri; print(cls_data.__file__)"], cwd=tmp_path
    )
    assert where.stdout.strip().startswith(str(venv)), where.stdout + where.stderr  # the wheel, not a checkout
    demo = _run([venv / "bin" / "cls-data", "demo", "--help"], cwd=tmp_path)
    assert demo.returncode == 0 and "Usage: cls-data demo" in demo.stdout, demo.stderr
    sample = _run(
        [
            python,
            "-c",
            "from importlib.resources import files; "
            "print(sorted(p.name for p in files('cls_data.demo').joinpath('sample').iterdir()))",
        ],
        cwd=tmp_path,
    )
    assert "articles.json" in sample.stdout and "templates" in sample.stdout, sample.stderr
    data = _run(
        [
            python,
            "-c",
            "from cls_data.languages import languages; from cls_data.demo.pair import load_pair; "
            "print(len(languages()), load_pair('de-en').sites_file.name)",
        ],
        cwd=tmp_path,
    )  # languages.tsv, pairs
    assert data.returncode == 0 and "sites.toml" in data.stdout and int(data.stdout.split()[0]) > 50, data.stderr


def test_every_package_folder_of_the_source_is_listed_for_the_wheel():
    """An editable install finds a sub-package the wheel would leave out: pyproject's `packages` must list them all."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = {Path(folder): name for name, folder in config["package-dir"].items()}
    found = set()
    for top, name in folders.items():
        for init in (root / top).rglob("__init__.py"):
            relative = init.parent.relative_to(root / top).parts
            found.add(".".join((name, *relative)))
    assert found - set(config["packages"]) == set(), "add these to [tool.setuptools] packages in pyproject.toml"
