"""A throwaway loss weighting in one place: its class and its one `@register_weighting` line.

`test_throwaway_weighting.py` imports it, then trains a tflcls run with it and finds it in `--help` and in
the report's Table 3: the proof that a new scheme needs nothing beyond this file.
"""

from __future__ import annotations

import torch

from cls_data.benchmark.losses import LossWeighting, register_weighting


@register_weighting("test-half")
class HalfSum(LossWeighting):
    """Half the sum of the task losses: nothing learned."""

    def __init__(self, task_names: tuple[str, ...], **_) -> None:
        super().__init__(task_names)

    def combine(self, losses: list[torch.Tensor]) -> torch.Tensor:
        return 0.5 * sum(losses)

    def learned_values(self) -> dict[str, float]:
        return {}
