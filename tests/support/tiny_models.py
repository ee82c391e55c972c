"""Tiny offline backbones for benchmark tests: a few-kilobyte mBART with a tokenizer trained on sample texts."""

from __future__ import annotations

import contextlib
from pathlib import Path

SAMPLE_TEXTS = [
    "Hà Nội hôm nay trời mưa to, nhiều tuyến phố bị ngập sâu.",
    "Giá vàng trong nước tăng mạnh trong phiên giao dịch sáng nay.",
    "Đội tuyển bóng đá Việt Nam thắng 2-0 trong trận giao hữu.",
    "Bộ Y tế khuyến cáo người dân tiêm vắc xin trước mùa dịch.",
    "今天河内下大雨，许多街道被淹。",
    "今天上午国内金价大幅上涨。",
    "越南足球队在友谊赛中以2比0获胜。",
    "卫生部建议民众在流行季前接种疫苗。",
    "Heavy rain flooded many streets in Hanoi today.",
]


def tiny_mbart(folder: Path, texts: list[str] | None = None, **sizes) -> Path:
    """Build (once per folder) a tiny random mBART backbone and return its path."""
    from cls_data.benchmark.families.mbart import build_tiny_mbart

    if not (folder / "config.json").exists():
        build_tiny_mbart((texts or SAMPLE_TEXTS) * 20, folder, vocab_size=sizes.pop("vocab_size", 200), **sizes)
    return folder


@contextlib.contextmanager
def one_torch_thread():
    """Run tiny models on one thread: their ops are too small to split, and on a busy machine the
    idle OpenMP threads' spin-waits make them 10-40x slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
