"""Publish tests run with the Hub offline except for the local stand-in (tests/support/fake_hub.py)."""

from __future__ import annotations

import pytest

RUN = "Vi2ZhLow/tflcls/tflcls/r2/n8/seed0"


@pytest.fixture(autouse=True)
def _offline(offline_hub):
    yield


@pytest.fixture(scope="package")
def runs(tmp_path_factory):
    """A finished smoke-sized tflcls run (stage 1 + joint stage, tiny model trained on the dataset)."""
    import torch

    from cls_data.benchmark.context import RunContext, RunSpec
    from cls_data.benchmark.runs import run_or_record
    from tests.benchmark.conftest import TINY_PRESET
    from tests.support.cls_dataset import build_cls_dataset

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("publish")
    dataset = build_cls_dataset(root / "data", train=24, validation=6, test=6, subsets=(8, 16), text_words=24)
    out = root / "RUNS"
    spec = RunSpec(str(dataset), "Vi2ZhLow", "tflcls", "tflcls", 2.0, 8, 0)
    status = run_or_record(spec, RunContext(out=out, preset=TINY_PRESET))
    torch.set_num_threads(threads)
    assert status == ("done", None)
    return out
