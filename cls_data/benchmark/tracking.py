"""Live experiment tracking through accelerate's trackers: one tracker run per run folder, named after it.

`cls-data benchmark --log-with tensorboard,wandb,trackio,mlflow` (none by default). The training
loop hands every `train_log.jsonl` record to `RunTracker.log_record`, the run hands its test scores
and timings to `log_test`; with no tracker named every method returns at once. Trackers only read
numbers the loop has already computed (on rank 0), so tracking never changes training.

Where each tracker writes: TensorBoard event files under `RUNS/tensorboard/<run folder>/`; W&B
under `RUNS/wandb/` (project = the RUNS folder's name; `WANDB_MODE=offline` keeps it local);
Trackio in its own local store (project = the RUNS folder's name); MLflow wherever
`MLFLOW_TRACKING_URI` points (experiment = the RUNS folder's name). ROUGE is logged x100.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

from cls_data.errors import ClsDataError

# tracker name -> (the module it needs, the cls-data extra that installs it)
TRACKERS = {
    "tensorboard": ("tensorboard", "tensorboard"),
    "wandb": ("wandb", "wandb"),
    "trackio": ("trackio", "trackio"),
    "mlflow": ("mlflow", "mlflow"),
}
METRICS = ("rouge1", "rouge2", "rougeL")


def check_trackers(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The tracker names, checked (known, installed) before any training; a miss is one line."""
    for name in names:
        if name not in TRACKERS:
            raise ClsDataError(f"--log-with {name!r}: unknown tracker; choose from {', '.join(TRACKERS)}")
        module, extra = TRACKERS[name]
        if importlib.util.find_spec(module) is None:
            raise ClsDataError(
                f"--log-with {name}: the {module} package is not installed; "
                f"install it with: pip install 'cls-data[{extra}]'"
            )
    return tuple(dict.fromkeys(names))


def flat_config(config: dict, prefix: str = "") -> dict[str, Any]:
    """A nested run config as flat `a/b` keys with bool/int/float/str values (what every tracker accepts)."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}/{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flat_config(value, name))
        elif value is None or isinstance(value, (bool, int, float, str)):
            flat[name] = "none" if value is None else value
        else:
            flat[name] = json.dumps(value)
    return flat


class RunTracker:
    """The trackers of one run folder (`run_dir` relative to RUNS); no-op when `log_with` is empty or off rank 0."""

    def __init__(self, log_with: tuple[str, ...], runs_root: Path, run_dir: Path | str) -> None:
        main = int(os.environ.get("RANK", "0")) == 0
        self.names = tuple(log_with) if main else ()
        self.runs_root, self.run_name = Path(runs_root), Path(run_dir).as_posix()
        self._trackers: list[Any] = []

    def start(self, config: dict) -> None:
        """Open one tracker run per named tracker and store the run's config as its hyperparameters."""
        if not self.names or self._trackers:
            return
        from accelerate import PartialState
        from accelerate.tracking import MLflowTracker, TensorBoardTracker, TrackioTracker, WandBTracker

        PartialState()  # the trackers log through accelerate's logger, which needs the (process) state
        project = self.runs_root.resolve().name
        made = {
            "tensorboard": lambda: TensorBoardTracker(self.run_name, self.runs_root / "tensorboard"),
            "wandb": lambda: WandBTracker(project, name=self.run_name, dir=str(self.runs_root)),
            "trackio": lambda: TrackioTracker(project, name=self.run_name),
            "mlflow": lambda: MLflowTracker(experiment_name=project, run_name=self.run_name),
        }
        if "wandb" in self.names:
            (self.runs_root / "wandb").mkdir(parents=True, exist_ok=True)
        for name in self.names:
            tracker = made[name]()
            tracker.start()
            tracker.store_init_configuration(flat_config(config))
            self._trackers.append(tracker)

    def log(self, values: dict[str, float], step: int) -> None:
        for tracker in self._trackers:
            tracker.log(values, step=step)

    def log_record(self, stage: str, record: dict) -> None:
        """One `train_log.jsonl` record: step lines (losses, lr, learned loss weights), epoch lines (+ validation
        ROUGE)."""
        if not self._trackers:
            return
        kind = "train" if record.get("kind") == "step" else "epoch"
        values = {f"{kind}/{stage}/loss/{k}": v for k, v in (record.get("losses") or {}).items()}
        values |= {f"{kind}/{stage}/weight/{k}": v for k, v in (record.get("weights") or {}).items()}
        if kind == "train":
            values[f"train/{stage}/lr"] = record["lr"]
        for metric in METRICS:
            if metric in (record.get("val") or {}):
                values[f"val/{stage}/{metric}"] = 100 * record["val"][metric]
        if "val_seconds" in record:
            values[f"val/{stage}/seconds"] = record["val_seconds"]
        self.log(values, step=int(record["step"]))

    def log_test(self, metrics: dict, step: int) -> None:
        """The run's end: test ROUGE (x100; every --eval-on dataset too), training and decoding times and speeds."""
        if not self._trackers:
            return
        values = {f"test/{m}": 100 * metrics["test"][m] for m in METRICS if m in (metrics.get("test") or {})}
        for other, scores in (metrics.get("eval_on") or {}).items():
            values |= {f"test/{other}/{m}": 100 * scores[m] for m in METRICS if m in scores}
        values |= {f"time/{k}": metrics[k] for k in ("train_seconds", "decode_seconds") if metrics.get(k) is not None}
        values |= {
            f"speed/{k}": metrics[k]
            for k in ("train_samples_per_s", "decode_samples_per_s")
            if metrics.get(k) is not None
        }
        self.log(values, step=step)

    def finish(self) -> None:
        for tracker in self._trackers:
            tracker.finish()
        self._trackers = []


NO_TRACKER = RunTracker((), Path("."), ".")
