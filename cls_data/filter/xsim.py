"""Cross-lingual embedding similarity between a summary and its translation (no back-translation)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cls_data.errors import ClsDataError


def xsim_scores(
    sources: Sequence[str],
    targets: Sequence[str],
    encoder: str,
    batch_size: int = 32,
    device: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> list[float]:
    """Cosine similarity of mean-pooled, L2-normalised encoder embeddings, one per pair.

    Works with any transformers encoder (LaBSE, MEXMA, multilingual-e5, a local path). Mean
    pooling over the attention mask is used for every encoder so scores are comparable across
    them; LaBSE's own pooler (CLS + dense) gives slightly different values.
    """
    import torch
    from transformers import AutoModel, AutoTokenizer

    if len(sources) != len(targets):
        raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        tokenizer = AutoTokenizer.from_pretrained(encoder)
        model = AutoModel.from_pretrained(encoder).to(device).eval()
    except OSError as exc:
        raise ClsDataError(f"cannot load encoder {encoder!r}: {exc}".splitlines()[0]) from None

    def embed(texts: Sequence[str]) -> torch.Tensor:
        batch = tokenizer(list(texts), return_tensors="pt", padding=True, truncation=True, max_length=256).to(device)
        with torch.inference_mode():
            hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
        return torch.nn.functional.normalize(pooled.float(), dim=-1)

    scores: list[float] = []
    for start in range(0, len(sources), batch_size):
        a = embed(sources[start : start + batch_size])
        b = embed(targets[start : start + batch_size])
        scores.extend((a * b).sum(-1).tolist())
        if on_progress:
            on_progress(len(a))
    return scores
