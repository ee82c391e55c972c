"""A model card's Hub metadata (YAML front matter with `model-index`), built and checked offline by huggingface_hub.

`ModelCardData`/`EvalResult` write the fields the Hub reads (base model, datasets, languages,
licence, pipeline tag, tags, metrics) and the `model-index` it renders as an evaluation table:
one result per test set and ROUGE variant, x100, with the ROUGE tokenizer as the metric's config.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
ROUGE_NAMES = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L"}
NOT_HUB_BACKBONES = {"smoke-tiny"}  # config.SMOKE_BACKBONE: built locally from the dataset


@dataclass(frozen=True)
class DatasetFacts:
    """What a model card and the publish guard need to know about the dataset a run was trained on."""

    name: str  # the run-folder name, e.g. Vi2ZhLow
    hub_id: str | None  # its Hub dataset id, when the run read it from the Hub or the user names it
    kind: str | None  # vi2zh | en2zh | zh2en; None when neither build_info.json nor the name tells
    license: str | None
    license_name: str | None
    redistributable: bool | None  # may text derived from it be published? None: unknown


def dataset_facts(config: dict, dataset_id: str | None = None) -> DatasetFacts:
    """From the dataset folder's build_info.json when it is still there, else from the dataset's name."""
    from cls_data.dataset.kinds import KINDS
    from cls_data.dataset_folder import read_build_info

    path, name = str(config.get("dataset_path") or ""), str(config.get("dataset") or "")
    try:
        info: dict[str, Any] = (read_build_info(Path(path)) if path else None) or {}
    except (OSError, ValueError):  # unreadable or damaged: the name still tells the kind
        info = {}
    kind_name = info.get("kind") or next((k.name for k in KINDS.values() if k.dataset == name), None)
    kind = KINDS.get(kind_name) if kind_name else None
    on_hub = path and not Path(path).exists() and HUB_ID.match(path) and "/" in path
    license_id = info.get("license") or (None if kind is None else "other" if not kind.redistributable else None)
    license_name = info.get("license_name") or (
        kind.license_name if kind is not None and license_id == "other" else None
    )
    return DatasetFacts(
        name=name,
        hub_id=dataset_id or (path if on_hub else None),
        kind=kind_name,
        license=license_id,
        license_name=license_name,
        redistributable=None if kind is None else kind.redistributable,
    )


def base_model_id(config: dict) -> str | None:
    """The backbone as a Hub model id, or None when it was a local folder or the smoke model."""
    backbone = str((config.get("model") or {}).get("backbone") or "")
    if not backbone or backbone in NOT_HUB_BACKBONES or Path(backbone).exists() or not HUB_ID.match(backbone):
        return None
    return backbone


def card_data(
    config: dict,
    metrics: dict,
    model_name: str,
    dataset: DatasetFacts,
    *,
    license: str | None = None,
    library: str | None = None,
) -> Any:
    """`ModelCardData` of a finished run: languages, licence, base model, dataset, tags and test ROUGE in
    `model-index`."""
    from huggingface_hub import EvalResult, ModelCardData

    tokenizer = metrics.get("tokenizer") or "unknown"
    results = []
    tests = [(dataset.hub_id or dataset.name, dataset.name, metrics.get("test") or {}, tokenizer)]
    tests += [
        (other, other, scores, scores.get("tokenizer") or tokenizer)
        for other, scores in sorted((metrics.get("eval_on") or {}).items())
    ]
    for dataset_type, dataset_name, scores, scheme in tests:
        for metric, label in ROUGE_NAMES.items():
            if scores.get(metric) is not None:
                results.append(
                    EvalResult(
                        task_type="summarization",
                        task_name="Cross-lingual summarization",
                        dataset_type=dataset_type,
                        dataset_name=dataset_name,
                        dataset_split="test",
                        metric_type="rouge",
                        metric_config=scheme,
                        metric_name=f"{label} (F1 x100, {scheme} tokens)",
                        metric_value=round(100 * scores[metric], 2),
                    )
                )
    license_id = license or dataset.license or "other"
    return ModelCardData(
        language=[lang for lang in (config.get("src_lang"), config.get("tgt_lang")) if lang],
        license=license_id,
        license_name=dataset.license_name if license_id == "other" and not license else None,
        base_model=base_model_id(config),
        datasets=[dataset.hub_id or dataset.name],
        pipeline_tag="summarization",
        library_name=library,
        tags=["summarization", "cross-lingual-summarization", "cls-data", str(config.get("variant") or "unknown")],
        metrics=["rouge"],
        model_name=model_name,
        eval_results=results or None,
    )


def front_matter(data: Any) -> str:
    """`---\\n<yaml>\\n---\\n`: the block a Hub README.md opens with."""
    return f"---\n{data.to_yaml()}\n---\n"
