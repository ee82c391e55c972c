"""The interface every benchmark model implements, and the token-level loss they share.

A model is a `torch.nn.Module` with:

- `task_names: tuple[str, ...]`: the losses `forward` returns, e.g. `("cls",)` or `("cls", "mls")`;
  a loss-weighting scheme (`cls_data.benchmark.losses`) combines them into the one to minimise.
- `forward(batch) -> dict[str, Tensor]`: one scalar per task name, the mean token cross-entropy
  over non-padding label positions. Batch keys: `input_ids`, `attention_mask` (the source),
  `labels` (the target-language summary, padding = -100) and, for two-decoder and monolingual
  tasks, `mono_labels` (the source-language summary, padding = -100). Decoder inputs are derived
  inside the model from the labels, so the data pipeline knows nothing of decoder start tokens.
- `generate(input_ids, attention_mask, decode: DecodeConfig) -> LongTensor`: token ids of the
  cross-lingual summary (batch x length); special tokens are removed when decoding to text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

IGNORE_INDEX = -100


def token_cross_entropy(logits: torch.Tensor, labels: torch.Tensor, label_smoothing: float = 0.0) -> torch.Tensor:
    """Mean cross-entropy over the label positions that are not IGNORE_INDEX, computed in fp32.

    Label smoothing spreads mass over the whole vocabulary, so it must not be used with a head
    whose padded rows carry a -inf bias (see `models.mbart.pad_lm_head`).
    """
    import torch.nn.functional as F

    return F.cross_entropy(
        logits.float().view(-1, logits.size(-1)),
        labels.reshape(-1),
        ignore_index=IGNORE_INDEX,
        label_smoothing=label_smoothing,
    )
