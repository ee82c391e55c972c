"""LaSE (Bhattacharjee et al., CrossSum, ACL 2023): meaning similarity x language confidence x length penalty.

- meaning similarity (ms): cosine of the LaBSE embeddings of summary and reference
  (sentence-transformers; CrossSum takes the dot product of LaBSE's already normalised vectors: the same).
- language confidence (lc): CrossSum asks fastText's lid.176 for the probability that the summary is
  in the target language (1.0 when it is the top language). Ours is `cls_data.text.language_problem`:
  1.0 when the summary can be in the target language, else 0.0 (docs/evaluation.md says why).
- length penalty (lp): with summary and reference token counts p and r (our ROUGE tokenizer of the
  language; CrossSum uses its multilingual rouge_score tokenizer), 1.0 when p <= r + alpha, else
  exp(1 - p / (r + alpha)), alpha = 6 as in CrossSum.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from cls_data.errors import ClsDataError
from cls_data.report.metrics.base import MetricOptions, Sample
from cls_data.report.metrics.target_language import in_language
from cls_data.text import get_tokenizer, tokenizer_for_language

ALPHA = 6  # CrossSum's default length slack, in tokens


def length_penalty(prediction_tokens: int, reference_tokens: int, alpha: int = ALPHA) -> float:
    if prediction_tokens <= reference_tokens + alpha:
        return 1.0
    return math.exp(1 - prediction_tokens / (reference_tokens + alpha))


def load_encoder(model: str):
    """A sentence-transformers encoder; offline without a local copy: one line naming it and how to get it."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise ClsDataError("--metrics lase needs sentence-transformers: pip install sentence-transformers") from None
    local = Path(model).expanduser()
    if model.startswith((".", "/", "~")) and not local.exists():
        raise ClsDataError(f"--lase-model {model}: no such folder")
    try:
        return SentenceTransformer(str(local) if local.exists() else model, device="cpu" if not _cuda() else None)
    except (OSError, ValueError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise ClsDataError(
            f"--lase-model {model}: cannot load it ({first}); download it once where there is internet "
            f"(`huggingface-cli download {model}`) or give a local folder with --lase-model"
        ) from None


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def similarities(encoder, predictions: Sequence[str], references: Sequence[str], batch_size: int) -> list[float]:
    """Cosine similarity of each prediction's and reference's embedding."""
    import numpy as np

    a = np.asarray(encoder.encode(list(predictions), batch_size=batch_size, show_progress_bar=False), dtype=np.float64)
    b = np.asarray(encoder.encode(list(references), batch_size=batch_size, show_progress_bar=False), dtype=np.float64)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return [float(x) for x in np.where(norms > 0, (a * b).sum(axis=1) / np.maximum(norms, 1e-12), 0.0)]


def lase_scores(
    encoder, predictions: Sequence[str], references: Sequence[str], lang: str, batch_size: int = 32
) -> list[float]:
    """LaSE of each (prediction, reference) pair, in [-1, 1] (in [0, 1] for any sensible pair)."""
    tokenize = get_tokenizer(tokenizer_for_language(lang))
    ms = similarities(encoder, predictions, references, batch_size)
    return [
        m * in_language(p, lang) * length_penalty(len(tokenize(p)), len(tokenize(r)))
        for m, p, r in zip(ms, predictions, references, strict=True)
    ]


class LaSE:
    name = "lase"
    version = "1"
    columns = ("lase",)
    labels = {"lase": "LaSE"}
    caption = (
        "LaSE x100 (CrossSum's meaning similarity x language confidence x length penalty; "
        "encoder `{model}`; docs/evaluation.md), mean over test samples and seeds."
    )

    def __init__(self) -> None:
        self._encoders: dict[str, object] = {}

    def model(self, options: MetricOptions) -> str:
        return options.lase_model

    def score(self, samples: Sequence[Sample], lang: str, options: MetricOptions) -> list[list[float]]:
        model = options.lase_model
        if model not in self._encoders:
            self._encoders[model] = load_encoder(model)
        values = lase_scores(
            self._encoders[model],
            [s.prediction for s in samples],
            [s.reference for s in samples],
            lang,
            options.batch_size,
        )
        return [[v] for v in values]
