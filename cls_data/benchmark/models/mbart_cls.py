"""mBART fine-tuned on one direction (text -> cls_summary for `mbart-cls`, summary -> cls_summary for stage 1)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from transformers.models.mbart.modeling_mbart import shift_tokens_right

from cls_data.benchmark.config import DecodeConfig
from cls_data.benchmark.models.base import IGNORE_INDEX, token_cross_entropy
from cls_data.benchmark.models.generation import beam_generate


class MBartCLS(nn.Module):
    """One mBART encoder-decoder; labels carry mBART's layout `Y </s> tgt_lang`, shifted into `tgt_lang Y`."""

    task_names = ("cls",)

    def __init__(self, model: Any, tgt_lang_id: int, label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.model = model
        self.tgt_lang_id = tgt_lang_id
        self.label_smoothing = label_smoothing  # the from-scratch NCLS baseline trains with 0.1
        self.model.generation_config.decoder_start_token_id = tgt_lang_id
        self.model.generation_config.forced_bos_token_id = None

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        labels = batch["labels"]
        pad = self.model.config.pad_token_id
        decoder_input_ids = shift_tokens_right(labels.masked_fill(labels == IGNORE_INDEX, pad), pad)
        logits = self.model(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], decoder_input_ids=decoder_input_ids
        ).logits
        return {"cls": token_cross_entropy(logits, labels, self.label_smoothing)}

    @torch.no_grad()
    def generate(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, decode: DecodeConfig) -> torch.Tensor:
        return beam_generate(self.model, input_ids, attention_mask, self.tgt_lang_id, decode)
