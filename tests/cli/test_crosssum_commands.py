"""`cls-data build crosssum` and `cls-data score` as a user runs them (subprocesses of the real entry point)."""

from __future__ import annotations

from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "crosssum"


def test_build_crosssum_then_score_an_empty_runs_folder_is_one_line(tmp_path, run_cli):
    built = run_cli("build", "crosssum", "--pair", "vi-zh", "--from", FIXTURE, "--out", tmp_path / "datasets")
    assert built.returncode == 0, built.stderr
    assert "20 of 23 pairs kept from 2 file(s)" in built.stdout and "dropped 1: summary not Chinese" in built.stdout
    assert "cls-data score RUNS --on" in built.stdout
    (tmp_path / "RUNS").mkdir()
    scored = run_cli("score", tmp_path / "RUNS", "--on", tmp_path / "datasets" / "CrossSum-vi2zh")
    assert scored.returncode == 2 and scored.stderr.count("\n") == 1 and "no finished runs to score" in scored.stderr
    missing = run_cli("build", "crosssum", "--out", tmp_path / "datasets")
    assert missing.returncode == 2 and "needs --pair SRC-TGT and --from PATH" in missing.stderr
