"""The optimal-transport distance of Nguyen & Luu (2022): a Sinkhorn divergence between two sets of hidden states.

Each example's states are a point cloud with uniform mass over its NON-padding positions (the
public code gives padding positions mass too); the cost is the squared Euclidean distance
(geomloss `p=2`: |x - y|^2 / 2), entropic blur 0.05, debiased (a Sinkhorn divergence is 0 for
identical clouds). Computed in fp32 by geomloss (PyTorch autograd, batched).
"""

from __future__ import annotations

import torch

BLUR = 0.05


def _uniform(mask: torch.Tensor) -> torch.Tensor:
    weights = mask.float()
    return weights / weights.sum(1, keepdim=True).clamp(min=1.0)


def sinkhorn_divergence(
    x: torch.Tensor, x_mask: torch.Tensor, y: torch.Tensor, y_mask: torch.Tensor, blur: float = BLUR
) -> torch.Tensor:
    """Per-example Sinkhorn divergence (shape `(batch,)`) between states `x` (B, N, D) and `y` (B, M, D).

    `x_mask`/`y_mask` (B, N)/(B, M) are true at real positions. Padded positions carry no mass and are
    zeroed before the call, so their values cannot change the result (geomloss sizes its blur
    schedule from the clouds' extent, which would otherwise see them).
    """
    from geomloss import SamplesLoss

    loss = SamplesLoss("sinkhorn", p=2, blur=blur, backend="tensorized")
    x = x.float().masked_fill(~x_mask.bool()[..., None], 0.0)
    y = y.float().masked_fill(~y_mask.bool()[..., None], 0.0)
    with torch.autocast(device_type=x.device.type, enabled=False):  # fp32 even inside a bf16 step
        return loss(_uniform(x_mask), x, _uniform(y_mask), y)
