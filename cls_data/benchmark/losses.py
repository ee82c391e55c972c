"""Loss-weighting schemes: small registered modules that turn a model's named task losses into one loss.

Each scheme is an `nn.Module` whose `parameters()` are exactly its learned weights (none for
`sum`), kept in fp32 whatever the model's dtype, so the trainer can put them in their own
optimizer group (fp32, no weight decay, their own learning rate: docs/paper-fidelity.md, "Learned loss
weights"). `learned_values()` gives the numbers to log every epoch. Schemes with a log term make
the total loss negative at times: never assert a positive loss or stop on it. `Objective` joins a
model and its scheme into the one module the trainer optimizes.

- `sum`: sum_i w_i * L_i, fixed coefficients w_i (default 1), e.g. `{"ot": 0.1}`.
- `hu` (Kendall et al. 2018): s_i = log sigma_i^2 learned (init 0); sum_i 0.5*exp(-s_i)*L_i + 0.5*s_i.
- `rhu` (Liebel & Koerner 2018): sigma_i learned (init 1); sum_i 0.5/sigma_i^2*L_i + ln(1+sigma_i^2).
- `tflcls` (the paper's): c learned (init 1), r fixed (default 2);
  0.5/(r c)^2 * L_mls + ln(1+(r c)^2) + 0.5/c^2 * L_cls + ln(1+c^2).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from cls_data.benchmark.registry import WEIGHTINGS
from cls_data.errors import ClsDataError


def register_weighting(name: str) -> Callable[[type[LossWeighting]], type[LossWeighting]]:
    """Class decorator: register a scheme under `name` (`registry.WEIGHTINGS`): the grid, `--help` and the report
    then know it. The four schemes here are registered by name in `registry.py` (so listing them needs no torch)."""

    def register(cls: type[LossWeighting]) -> type[LossWeighting]:
        cls.name = name
        return WEIGHTINGS.register(name, cls)

    return register


class LossWeighting(nn.Module):
    """Combines `{task: scalar loss}` into one scalar; subclasses implement `combine` and `learned_values`."""

    name = ""

    def __init__(self, task_names: tuple[str, ...]) -> None:
        super().__init__()
        if not task_names or len(set(task_names)) != len(task_names):
            raise ClsDataError(f"loss weighting needs distinct task names, got {task_names!r}")
        self.task_names = tuple(task_names)

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor:
        if set(losses) != set(self.task_names):
            # A loss the scheme does not know would otherwise be dropped from training silently.
            raise ValueError(f"{self.name} weighting expects losses {sorted(self.task_names)}, got {sorted(losses)}")
        return self.combine([losses[task].float() for task in self.task_names])

    def combine(self, losses: list[torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    def learned_values(self) -> dict[str, float]:
        return {}

    def _apply(self, fn, recurse=True):  # noqa: ANN001 - nn.Module's signature
        # `model.to(torch.bfloat16)` must not reach the learned weights: bf16 drops their small updates.
        super()._apply(fn, recurse)
        for param in self.parameters():
            if param.dtype != torch.float32:
                param.data = param.data.float()
        return self


class SumWeighting(LossWeighting):
    """Plain sum with optional fixed coefficients per task (missing tasks weigh 1)."""

    def __init__(self, task_names: tuple[str, ...], *, coefficients: dict[str, float] | None = None, **_) -> None:
        super().__init__(task_names)
        unknown = sorted(set(coefficients or {}) - set(self.task_names))
        if unknown:
            raise ClsDataError(f"loss coefficients for unknown tasks {unknown}; tasks are {list(self.task_names)}")
        self.coefficients = {task: float((coefficients or {}).get(task, 1.0)) for task in self.task_names}

    def combine(self, losses: list[torch.Tensor]) -> torch.Tensor:
        return sum(self.coefficients[task] * loss for task, loss in zip(self.task_names, losses, strict=False))


class HomoscedasticUncertainty(LossWeighting):
    """Kendall et al.: learns s_i = log sigma_i^2, which keeps the weight exp(-s_i) positive without constraints."""

    def __init__(self, task_names: tuple[str, ...], **_) -> None:
        super().__init__(task_names)
        self.log_var = nn.Parameter(torch.zeros(len(self.task_names), dtype=torch.float32))

    def combine(self, losses: list[torch.Tensor]) -> torch.Tensor:
        s = self.log_var
        return sum(0.5 * torch.exp(-s[i]) * loss + 0.5 * s[i] for i, loss in enumerate(losses))

    def learned_values(self) -> dict[str, float]:
        sigmas = torch.exp(0.5 * self.log_var.detach()).tolist()
        return {f"sigma_{task}": sigma for task, sigma in zip(self.task_names, sigmas, strict=False)}


class RevisedUncertainty(LossWeighting):
    """Liebel & Koerner: ln(1 + sigma^2) keeps the regulariser positive, so the total loss stays >= 0."""

    def __init__(self, task_names: tuple[str, ...], **_) -> None:
        super().__init__(task_names)
        self.sigma = nn.Parameter(torch.ones(len(self.task_names), dtype=torch.float32))

    def combine(self, losses: list[torch.Tensor]) -> torch.Tensor:
        var = self.sigma**2
        return sum(0.5 / var[i] * loss + torch.log1p(var[i]) for i, loss in enumerate(losses))

    def learned_values(self) -> dict[str, float]:
        return {
            f"sigma_{task}": sigma for task, sigma in zip(self.task_names, self.sigma.detach().tolist(), strict=False)
        }


class TFLCLSWeighting(LossWeighting):
    """The paper's scheme: one learned c, the monolingual task's sigma tied to r*c (r fixed)."""

    def __init__(self, task_names: tuple[str, ...], *, r: float = 2.0, **_) -> None:
        super().__init__(task_names)
        if set(self.task_names) != {"cls", "mls"}:
            raise ClsDataError(f"the tflcls weighting combines the tasks cls and mls, not {list(self.task_names)}")
        if not r > 0:
            raise ClsDataError(f"--r must be positive, got {r}")
        self.r = float(r)
        self.c = nn.Parameter(torch.ones((), dtype=torch.float32))

    def combine(self, losses: list[torch.Tensor]) -> torch.Tensor:
        by_task = dict(zip(self.task_names, losses, strict=False))
        c2, rc2 = self.c**2, (self.r * self.c) ** 2
        return 0.5 / rc2 * by_task["mls"] + torch.log1p(rc2) + 0.5 / c2 * by_task["cls"] + torch.log1p(c2)

    def learned_values(self) -> dict[str, float]:
        return {"c": float(self.c.detach())}


def make_weighting(
    name: str, task_names: tuple[str, ...], *, r: float = 2.0, coefficients: dict[str, float] | None = None
) -> LossWeighting:
    """The scheme `name` over `task_names`; `r` is used by `tflcls` only, `coefficients` by `sum` only."""
    scheme = WEIGHTINGS[name]  # a miss lists every valid name
    if coefficients and name != "sum":
        raise ClsDataError(f"fixed loss coefficients go with the sum weighting, not {name!r}")
    weighting = scheme(tuple(task_names), r=r, coefficients=coefficients)
    weighting.name = name
    return weighting


class Objective(nn.Module):
    """The model and its loss weighting as one module, so DDP syncs the learned weights' gradients too."""

    def __init__(self, model: nn.Module, weighting: nn.Module) -> None:
        super().__init__()
        self.model, self.weighting = model, weighting

    def forward(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        losses = self.model(batch)
        return self.weighting(losses), losses
