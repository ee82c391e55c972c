"""What the LLM judge is told to use: its server, model and how many samples it reads (no key: OPENAI_API_KEY)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class JudgeConfig:
    url: str  # an OpenAI-compatible server, ".../v1"
    model: str
    samples: int = 50  # test samples judged per dataset and train size (the same ids for every system)
    seed: int = 0
    bws_kit: Path | None = None  # a `report human-eval export` folder whose answers_*.csv the judge is compared with
    attempts: int = 3  # per judgement: an invalid answer or a 429/5xx is asked again, then counted failed
    timeout: float = 120.0
