"""Optional BERTScore beside ROUGE (`--metrics rouge,bertscore`), through the `bert-score` library.

Scores are raw F1 of a multilingual encoder (no baseline rescaling: bert-score ships baselines for
Hub models only), averaged over test samples, then over seeds. Each run's score is cached in the
report folder keyed by encoder and predictions file, so rewriting a report does not re-encode.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from cls_data.errors import ClsDataError
from cls_data.report.runs import RunSet
from cls_data.run_folder import read_json_lines
from cls_data.report.tables import DATASET_ORDER, order_key, table2_spec
from cls_data.outputs import write_json_atomic

CACHE = "bertscore_cache.json"


def _scorer(model: str):
    try:
        import bert_score
    except ImportError:
        raise ClsDataError("--metrics bertscore needs the bert-score package: pip install 'cls-data[report]'") from None
    from transformers import AutoConfig

    if ("/" in model and model.count("/") > 1 or model.startswith((".", "/", "~"))) and not Path(model).expanduser().exists():
        raise ClsDataError(f"--bertscore-model {model}: cannot load it (no such folder)")
    try:
        layers = bert_score.utils.model2layers.get(model) or AutoConfig.from_pretrained(model).num_hidden_layers
        scorer = bert_score.BERTScorer(model_type=model, num_layers=layers, lang="zh")
    except OSError as exc:
        raise ClsDataError(f"--bertscore-model {model}: cannot load it ({str(exc).splitlines()[0]})") from None
    tokenizer = scorer._tokenizer
    # a tokenizer saved without model_max_length reports ~1e30, which bert-score passes on and the fast tokenizer rejects
    limit = getattr(scorer._model.config, "max_position_embeddings", 512)
    if tokenizer.model_max_length > limit:
        tokenizer.model_max_length = limit
    return scorer


def run_scores(runs: RunSet, model: str, cache_path: Path, notes: list[str]) -> dict[str, float]:
    """run_dir -> mean BERTScore F1 in [0, 1] over its test predictions."""
    cache = json.loads(cache_path.read_text(encoding="utf-8")) if cache_path.exists() else {}
    scores, scorer = {}, None
    for row in runs.done():
        if not row.in_domain or not row.run_dir:
            continue
        path = runs.run_path(row) / "predictions.jsonl"
        if not path.exists():
            continue
        key = f"{model}|{row.run_dir}|{path.stat().st_size}|{path.stat().st_mtime_ns}"
        if key not in cache:
            pairs = [(str(d.get("prediction") or ""), str(d.get("reference") or "")) for _, d in read_json_lines(path)]
            if not pairs:
                continue
            scorer = scorer or _scorer(model)
            _, _, f1 = scorer.score([p for p, _ in pairs], [r for _, r in pairs])
            cache[key] = float(f1.mean())
        scores[row.run_dir] = cache[key]
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(cache_path, cache, indent=1)
    if not scores:
        notes.append("BERTScore: no predictions.jsonl to score")
    return scores


def bertscore_markdown(runs: RunSet, model: str, notes: list[str], cache_dir: Path | None = None) -> str:
    """A Table-2 shaped table of BERTScore F1 x100 (mean over seeds), best per column in bold."""
    scores = run_scores(runs, model, (cache_dir or runs.root / "report") / CACHE, notes)
    per_cell: dict[tuple[str, str, int], list[float]] = defaultdict(list)
    for row in runs.done():
        if row.run_dir in scores:
            per_cell[(row.system, row.dataset, row.train_size)].append(100 * scores[row.run_dir])
    spec = table2_spec(runs.rows)
    lines = ["## BERTScore", "", f"F1 x100 of `{model}` (raw, no baseline rescaling), mean over test samples and seeds.", ""]
    datasets = sorted({d for d, _ in spec.columns}, key=lambda d: order_key(DATASET_ORDER, d))
    for dataset in datasets:
        sizes = [s for d, s in spec.columns if d == dataset]
        means = {(system, size): sum(v) / len(v) for (system, d, size), v in per_cell.items() if d == dataset}
        best = {size: max((m for (s, n), m in means.items() if n == size), default=None) for size in sizes}
        lines += [f"**{dataset}**", "", "| model | " + " | ".join(f"n={s:,}" for s in sizes) + " |",
                  "|---|" + "---:|" * len(sizes)]
        for label, system in spec.rows:
            cells = []
            for size in sizes:
                value = means.get((system, size))
                text = "n/a" if value is None else f"{value:.2f}"
                cells.append(f"**{text}**" if value is not None and value == best[size] else text)
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines) + "\n"
