"""What one run of a grid is (`RunSpec`) and the grid-wide settings and caches its process shares (`RunContext`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cls_data.benchmark.presets import Preset
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
    shots: int = 0  # llm-prompt's examples per prompt
    llm_url: str | None = None  # llm-prompt through an OpenAI-compatible server
    on_progress: Progress = lambda phase, done, total: None
    datasets: dict[str, Any] = field(default_factory=dict)
    deterministic: bool = False  # --deterministic: every stage's TrainConfig.deterministic
    paper_code: bool = False  # --paper-code: the numerics of the paper's code (stages.stage_config)
    log_with: tuple[str, ...] = ()  # live trackers (tracking.py), one tracker run per run folder
    test_weights: str = "best"  # --test-weights: "best" (validation ROUGE-2) or "last" epoch's weights are tested
    paper_tokens: str | None = None  # --paper-tokens: the paper's ROUGE unit's tokenizer (paper_metrics.py)

    @property
    def cache(self) -> Path:
        return self.out / ".cache"

    def dataset(self, path: str) -> Any:
        from cls_data.benchmark.data import open_dataset

        if path not in self.datasets:
            self.datasets[path] = open_dataset(path, src_lang=self.src_lang, tgt_lang=self.tgt_lang)
        return self.datasets[path]
