"""Smoke backbones are a function of the dataset: the same texts give the same vocabulary ids and weights, so two
clean smoke runs into two folders are byte-identical (mclas's WordPiece ids once changed on every build)."""

from __future__ import annotations

import hashlib

import pytest

pytest.importorskip("torch")

from tests.benchmark.conftest import TINY_PRESET  # noqa: E402


def digests(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("variant", ["mbart-cls", "ncls", "mclas", "llm-prompt"])  # one per family
def test_every_familys_smoke_backbone_is_the_same_for_the_same_dataset(dataset, tmp_path, variant):
    from cls_data.benchmark.registry import resolve_variant

    train = dataset.split("train")
    texts = [*train["text"], *train["summary"], *train["cls_summary"]]
    resolved = resolve_variant(variant)  # the family's smoke backbone, as a smoke run writes it
    first = resolved.smoke_backbone(texts, tmp_path / "a")
    second = resolved.smoke_backbone(list(texts), tmp_path / "b")
    assert digests(first) == digests(second)


def test_two_fresh_smoke_mclas_runs_give_byte_identical_predictions_and_weights(dataset_dir, tmp_path):
    from cls_data.benchmark.context import RunContext, RunSpec
    from cls_data.benchmark.runs import run_or_record

    folders = []
    for name in ("RUNS-a", "RUNS-b"):  # each builds its own smoke backbone (RUNS/.cache)
        status = run_or_record(
            RunSpec(str(dataset_dir), dataset_dir.name, "mclas", None, None, 8, 0),
            RunContext(out=tmp_path / name, preset=TINY_PRESET),
        )
        assert status == ("done", None), status
        folders.append(tmp_path / name / dataset_dir.name / "mclas" / "n8" / "seed0")
    first, second = (digests(folder) for folder in folders)
    assert "predictions.jsonl" in first and any(name.endswith(".safetensors") for name in first)
    for name in ("predictions.jsonl", *(n for n in first if n.endswith(".safetensors"))):
        assert first[name] == second[name], name
