"""Tiny offline models of the NCLS and mBERT families, built through the same builders runs use.

Each family's smoke backbone is written once per session from sample texts; a model is then built
by the variant's registered stage builder (`resolve_variant(name).builders[stage]`), and a later
stage starts from an earlier one's weights saved as the trainer saves them (`checkpoint.save_weights`).
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from tests.support.tiny_models import SAMPLE_TEXTS

# (source text, source-language summary, cross-lingual summary)
PAIRS = [
    ("Hà Nội hôm nay trời mưa to, nhiều tuyến phố bị ngập sâu.", "Hà Nội mưa to", "河内下大雨"),
    ("Giá vàng trong nước tăng mạnh trong phiên giao dịch sáng nay.", "Giá vàng tăng", "金价上涨"),
    ("Đội tuyển bóng đá Việt Nam thắng 2-0 trong trận giao hữu.", "Việt Nam thắng", "越南队获胜"),
    ("Bộ Y tế khuyến cáo người dân tiêm vắc xin trước mùa dịch.", "Bộ Y tế khuyến cáo", "卫生部建议接种疫苗"),
]


@cache
def family_backbone(family: str) -> Path:
    """The smoke backbone folder of a family ("ncls" or "mbert"), written once from the sample texts."""
    from cls_data.benchmark.families.mbert import mbert_smoke_backbone
    from cls_data.benchmark.families.ncls import ncls_smoke_backbone

    write, vocab_size = {"ncls": (ncls_smoke_backbone, 300), "mbert": (mbert_smoke_backbone, 200)}[family]
    return write(
        SAMPLE_TEXTS * 20, Path(tempfile.mkdtemp(prefix=f"tiny-{family}-")) / "backbone", vocab_size=vocab_size
    )


@cache
def codec_of(variant: str) -> Any:
    from cls_data.benchmark.registry import resolve_variant

    resolved = resolve_variant(variant)
    return resolved.codec(family_backbone(resolved.family), "vi", "zh")


def ncls_tokenizer():
    return codec_of("ncls").tokenizer


def bert_tokenizer():
    return codec_of("mclas").tokenizer


def build_stage(variant: str, stage: str, *, init: Path | None = None, seed: int = 0) -> Any:
    """The model of one stage of a registered variant, built by its registered builder (as a run builds it)."""
    import torch

    from cls_data.benchmark.config import TrainConfig
    from cls_data.benchmark.registry import BuildContext, resolve_variant

    resolved = resolve_variant(variant)
    ctx = BuildContext(
        backbone=str(family_backbone(resolved.family)),
        codec=codec_of(variant),
        src_lang="vi",
        tgt_lang="zh",
        stage=resolved.spec.stage(stage),
        train=TrainConfig(),
        init=init,
    )
    torch.manual_seed(seed)
    return resolved.builders[stage](ctx)


def save_stage(model: Any, variant: str, folder: Path) -> Path:
    """A stage's weights saved as the trainer saves its best weights, for a later stage's `init`."""
    from cls_data.benchmark.checkpoint import save_weights

    save_weights(model, codec_of(variant), folder)
    return folder


def overfit(model: Any, batch: dict, optimizer: Any, steps: int, task: str = "cls") -> Any:
    """`steps` optimiser steps of `model` on one batch, minimising its loss `task`; the model is left in eval mode
    and the last step's loss is returned."""
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        loss = model(batch)[task]
        loss.backward()
        optimizer.step()
    model.eval()
    return loss


def padded(rows: list[list[int]], value: int):
    import torch

    width = max(map(len, rows))
    return torch.tensor([row + [value] * (width - len(row)) for row in rows])


def batch_for(tokenizer, pairs=PAIRS, *, special_targets: bool = True) -> dict:
    """A model batch as the data pipeline makes it: sources, labels (cls) and mono_labels, padding -100."""
    sources = tokenizer([p[0] for p in pairs], padding=True, return_tensors="pt")
    encode = (
        (lambda texts: tokenizer(texts)["input_ids"])
        if special_targets
        else (lambda texts: tokenizer(texts, add_special_tokens=False)["input_ids"])
    )
    return {
        "input_ids": sources["input_ids"],
        "attention_mask": sources["attention_mask"],
        "mono_labels": padded(encode([p[1] for p in pairs]), -100),
        "labels": padded(encode([p[2] for p in pairs]), -100),
    }
