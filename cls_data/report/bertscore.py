"""Loading BERTScore's scorer (`--metrics rouge,bertscore`, report/metrics/bertscore.py), through `bert-score`.

Scores are raw F1 of a multilingual encoder (no baseline rescaling: bert-score ships baselines for
Hub models only); the metric registry caches them per run (report/metrics/cache.py).
"""

from __future__ import annotations

from pathlib import Path

from cls_data.errors import ClsDataError


def load_scorer(model: str):
    """A bert_score.BERTScorer of `model` (a Hub id or a local folder); one ClsDataError line when it cannot load."""
    try:
        import bert_score
    except ImportError:
        raise ClsDataError("--metrics bertscore needs the bert-score package: pip install 'cls-data[report]'") from None
    from transformers import AutoConfig

    if ("/" in model and model.count("/") > 1 or model.startswith((".", "/", "~"))) and not Path(
        model
    ).expanduser().exists():
        raise ClsDataError(f"--bertscore-model {model}: cannot load it (no such folder)")
    try:
        layers = bert_score.utils.model2layers.get(model) or AutoConfig.from_pretrained(model).num_hidden_layers
        scorer = bert_score.BERTScorer(model_type=model, num_layers=layers, lang="zh")
    except OSError as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise ClsDataError(
            f"--bertscore-model {model}: cannot load it ({first}); download it once where there is "
            f"internet (`huggingface-cli download {model}`) or give a local folder"
        ) from None
    tokenizer = scorer._tokenizer
    # a tokenizer saved without model_max_length reports ~1e30, which bert-score passes on and the fast tokenizer
    # rejects
    limit = getattr(scorer._model.config, "max_position_embeddings", 512)
    if tokenizer.model_max_length > limit:
        tokenizer.model_max_length = limit
    return scorer
