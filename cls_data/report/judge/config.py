"""What the LLM judge is told to use: its server, model and how many samples it reads (no key: OPENAI_API_KEY)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cls_data.errors import ClsDataError


@dataclass(frozen=True)
class JudgeConfig:
    url: str  # an OpenAI-compatible server, ".../v1"
    model: str
    samples: int = 50  # test samples judged per dataset and train size (the same ids for every system)
    seed: int = 0
    bws_kit: Path | None = None  # a `report human-eval export` folder whose answers_*.csv the judge is compared with
    workers: int = 4  # judgements asked at a time
    attempts: int = 3  # per judgement: an invalid answer or a 429/5xx is asked again, then counted failed
    timeout: float = 120.0


def judge_config(
    url: str | None, model: str | None, samples: int, seed: int, bws_kit: Path | None, workers: int = 4
) -> JudgeConfig | None:
    """The CLI's --judge-* options as a config; None without --judge-url; one line for a half-given judge."""
    if not url and not model:
        if bws_kit:
            raise ClsDataError("--judge-bws needs --judge-url and --judge-model")
        return None
    if not url or not model:
        raise ClsDataError("the LLM judge needs both --judge-url and --judge-model")
    if samples < 1:
        raise ClsDataError(f"--judge-samples {samples}: judge at least one sample")
    if workers < 1:
        raise ClsDataError(f"--judge-workers {workers}: ask at least one at a time")
    return JudgeConfig(url, model, samples, seed, bws_kit, workers)
