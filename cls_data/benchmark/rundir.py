"""Run-folder helpers: atomic JSON writes, config.json, joined train logs, the shared-stage lock file."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import socket
import time
from pathlib import Path
from typing import Any

from cls_data.benchmark.config import StageSpec, VariantSpec, to_dict
from cls_data.outputs import write_json_atomic, write_text_atomic

LOCK_STALE_SECONDS = 900  # a shared stage's lock not refreshed for this long belongs to a dead process


write_json = write_json_atomic


def write_jsonl(path: Path, rows: list[dict]) -> None:
    write_text_atomic(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def versions() -> dict[str, str]:
    import importlib.metadata as md

    found = {"python": platform.python_version()}
    for name in ("cls-data", "torch", "transformers", "accelerate", "datasets", "tokenizers"):
        try:
            found[name.replace("-", "_")] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return found


class Lock:
    """An exclusive lock file for a shared stage-1 run, so shards that share RUNS train it once."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def acquire(self, done: Path, poll: float = 20.0) -> bool:
        """True when this process holds the lock; False when another finished the run meanwhile."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while not done.exists():
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if self._stale():
                    self.path.unlink(missing_ok=True)  # its owner died; its checkpoint lets us resume
                else:
                    time.sleep(poll)
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(f"{socket.gethostname()} {os.getpid()}\n")
            return True
        return False

    def _stale(self) -> bool:
        """Not refreshed for LOCK_STALE_SECONDS, or held by a process of this machine that is gone."""
        try:
            host, pid = self.path.read_text().split()
            if time.time() - self.path.stat().st_mtime > LOCK_STALE_SECONDS:
                return True
        except (OSError, ValueError):
            return False  # removed or being written just now: look again
        if host != socket.gethostname():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def touch(self) -> None:
        self.path.touch()

    def release(self) -> None:
        self.path.unlink(missing_ok=True)


def run_config(run: Any, ctx: Any, spec: VariantSpec, dataset: Any, backbone: str, stages: list[StageSpec]) -> dict:
    return {"variant": run.variant, "dataset": run.dataset_name, "dataset_path": run.dataset,
            "dataset_fingerprint": dataset.fingerprint, "src_lang": dataset.src_lang, "tgt_lang": dataset.tgt_lang,
            "weighting": run.weighting, "r": run.r, "train_size": run.train_size, "seed": run.seed,
            "preset": ctx.preset.name, "model": {"backbone": backbone, "spec": to_dict(spec)},
            "train": {s.name: to_dict(s.train_config(ctx.preset)) for s in stages}, "decode": to_dict(spec.decode_config(ctx.preset)),
            "versions": versions(), "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()}


def concat_logs(folders: list[Path], target: Path) -> None:
    with target.open("w", encoding="utf-8") as out:
        for folder in folders:
            log = folder / "train_log.jsonl"
            if log.exists():
                out.write(log.read_text(encoding="utf-8"))
