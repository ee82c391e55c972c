"""What one run of a grid is (`RunSpec`) and the grid-wide settings and caches its process shares (`RunContext`).

`RunContext.train_config` is the one place a stage's final TrainConfig is made: the preset's recipe with the
run-wide switches (--deterministic, --paper-code) applied. A run reads it through its `run_plan.RunPlan`, `--plan`
through the same function, so the two cannot disagree about a stage.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cls_data.benchmark.config import GridSpec, StageSpec, TrainConfig, VariantSpec
from cls_data.benchmark.presets import Preset, get_preset
from cls_data.run_folder import rel_dir

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RunSpec:
    """One cell of a grid; `rel_dir` is its folder under RUNS (docs/run-folders.md)."""

    dataset: str  # folder path or Hub id
    dataset_name: str
    variant: str
    weighting: str | None
    r: float | None
    train_size: int
    seed: int

    @property
    def rel_dir(self) -> Path:
        return rel_dir(self.dataset_name, self.variant, self.weighting, self.r, self.train_size, self.seed)


@dataclass
class RunContext:
    """Grid-wide settings and caches shared by the runs of one process."""

    out: Path
    preset: Preset
    backbone: str | None = None
    eval_on: tuple[str, ...] = ()
    src_lang: str | None = None
    tgt_lang: str | None = None
    options: dict[str, Any] = field(default_factory=dict)  # family options by name (`GridSpec.options`)
    on_progress: Progress = lambda phase, done, total: None
    datasets: dict[str, Any] = field(default_factory=dict)
    deterministic: bool = False  # --deterministic: every stage's TrainConfig.deterministic
    paper_code: bool = False  # --paper-code: the numerics of the paper's code (`train_config`)
    log_with: tuple[str, ...] = ()  # live trackers (tracking.py), one tracker run per run folder
    test_weights: str = "best"  # --test-weights: "best" (validation ROUGE-2) or "last" epoch's weights are tested
    paper_tokens: str | None = None  # --paper-tokens: the paper's ROUGE unit's tokenizer (paper_metrics.py)
    codecs: dict[tuple, Any] = field(default_factory=dict)  # (codec, backbone, languages) -> codec, made once

    @classmethod
    def from_grid(cls, grid: GridSpec, out: Path, **more: Any) -> RunContext:
        """The context of a grid's runs (the settings every `[[grid]]` table shares, `grid.SHARED_KEYS`)."""
        return cls(
            out=out,
            preset=get_preset(grid.preset),
            backbone=grid.backbone,
            eval_on=grid.eval_on,
            src_lang=grid.src_lang,
            tgt_lang=grid.tgt_lang,
            deterministic=grid.deterministic,
            paper_code=grid.paper_code,
            options=dict(grid.options),
            test_weights=grid.test_weights,
            paper_tokens=grid.paper_tokens,
            **more,
        )

    @property
    def cache(self) -> Path:
        return self.out / ".cache"

    def dataset(self, path: str) -> Any:
        from cls_data.benchmark.data import open_dataset

        if path not in self.datasets:
            self.datasets[path] = open_dataset(path, src_lang=self.src_lang, tgt_lang=self.tgt_lang)
        return self.datasets[path]

    def option(self, name: str) -> Any:
        """A family option's value in this grid (`registry.FamilyOption`), or its default."""
        from cls_data.benchmark.registry import family_option

        return self.options[name] if name in self.options else family_option(name).default

    def train_config(self, spec: VariantSpec, stage: StageSpec) -> TrainConfig:
        """The stage's final TrainConfig: the preset's recipe (`Preset.train_config`) with the run-wide switches.

        --deterministic: deterministic algorithms. --paper-code: the numerics of the paper's code on top of the same
        optimisation: fp32, batches cut from the shuffled order, clipping over every parameter (the learned loss
        weights too), deterministic, no compile, and the paper's micro-batches where the preset names them for the
        same effective batch (4 x 4 and 2 x 8 for 16).
        """
        cfg = self.preset.train_config(stage, spec.family)
        changes: dict[str, Any] = {"deterministic": True} if self.deterministic else {}
        decoding = spec.stages[-1] if spec.stages else spec.inference
        if self.test_weights != "best" and decoding is not None and stage.name == decoding.name:
            changes["test_weights"] = self.test_weights  # --test-weights last: the decoding stage's last epoch
        if self.paper_code:
            changes.update(precision="fp32", batching="shuffle", clip_weighting=True, deterministic=True, compile=False)
            micro = dict(self.preset.code_micro_batches).get(stage.recipe)
            if micro and cfg.token_budget is None and micro[0] * micro[1] == cfg.batch_size * cfg.grad_accum:
                changes.update(batch_size=micro[0], grad_accum=micro[1])
        return dataclasses.replace(cfg, **changes) if changes else cfg

    def training_cap(self, spec: VariantSpec) -> int | None:
        """The most training pairs any stage of `spec` reads (None: uncapped), so a capped preset (smoke) may take a
        small dataset's whole train split (`data.train_split_for_size`)."""
        stages = spec.stages or ((spec.inference,) if spec.inference else ())
        caps = [self.train_config(spec, stage).max_train_samples for stage in stages]
        return None if not caps or None in caps else max(caps)
