"""Shared fixtures: the tiny preset, the dataset (`dataset_dir` is a suite-wide fixture) and a tiny mBART trained on its
texts."""

from __future__ import annotations

import pytest

from cls_data.benchmark.config import DecodeConfig, TrainConfig
from cls_data.benchmark.presets import Preset

# A few steps of a tiny model with tiny decoding: the plumbing, in seconds.
TINY_TRAIN = TrainConfig(
    lr=3e-3,
    batch_size=4,
    grad_accum=1,
    epochs=1,
    max_steps=2,
    schedule="constant",
    weighting_lr=1e-2,
    val_subset=2,
    src_max_len=96,
    tgt_max_len=32,
    log_every=1,
)
TINY_PRESET = Preset(
    name="smoke",
    stage1=TINY_TRAIN,
    stage2=TINY_TRAIN,
    decode=DecodeConfig(num_beams=2, max_new_tokens=4, batch_size=8),
    tiny_backbones=True,
    max_test_samples=3,
)


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    # Tiny models on a shared 2-core machine: OpenMP threads spinning against other jobs made a
    # step 30x slower than one thread.
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(scope="session")
def dataset(dataset_dir):
    from cls_data.benchmark.data import open_dataset

    return open_dataset(dataset_dir)


@pytest.fixture(scope="session")
def backbone(tmp_path_factory, dataset):
    from cls_data.benchmark.families.mbart import build_tiny_mbart

    train = dataset.split("train")
    texts = [*train["text"], *train["summary"], *train["cls_summary"]]
    return build_tiny_mbart(
        texts, tmp_path_factory.mktemp("backbone") / "tiny", vocab_size=200, d_model=32, layers=1, heads=2, ffn=64
    )


@pytest.fixture(scope="session")
def codec(backbone):
    from cls_data.benchmark.families.mbart import mbart_codec

    return mbart_codec(backbone, "vi", "zh")
