"""The dataset card (README.md): Hub YAML metadata plus how the data was made, stats and limits."""

from __future__ import annotations

from importlib import resources

from cls_data import __version__
from cls_data.dataset.kinds import get_kind
from cls_data.dataset.publishable import LANGUAGE_DROP
from cls_data.text import language_name

# modelcards/ installs as the package cls_data.modelcards, so wheels carry the template too.
TEMPLATE = resources.files("cls_data.modelcards") / "dataset_card.md"
ROW_LABELS = {"text": "source document", "summary": "source summary", "cls_summary": "target summary"}


def size_category(rows: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if rows < limit:
            return name
    return "1M<n<10M"


def _stats_rows(stats: dict) -> tuple[list[str], list[dict]]:
    splits = [name for name in ("train", "validation", "test") if name in stats]
    rows = [{"label": "documents", "values": [f"{stats[s]['docs']:,}" for s in splits]}]
    for field, label in ROW_LABELS.items():
        units = sorted({unit for s in splits for unit in stats[s].get(field, {})})
        for unit in units:
            word = "chars" if unit == "avg_chars" else "words"
            values = [f"{stats[s][field][unit]:.2f}" if unit in stats[s].get(field, {}) else "-" for s in splits]
            rows.append({"label": f"{label} ({word})", "values": values})
    return splits, rows


def card_data(info: dict, split_files: dict[str, str]):
    """The YAML metadata: every split mapped to its parquet file, languages, licence, task, size."""
    from huggingface_hub import DatasetCardData

    licence = {"license": info["license"]}
    if info["license"] == "other" and info.get("license_name"):
        licence["license_name"] = info["license_name"]  # the Hub's way to name a custom licence
    configs = [{"config_name": "default", "data_files": [{"split": s, "path": p} for s, p in split_files.items()]}]
    extra = {"configs": configs} if split_files else {}  # an --ids-only folder has no files to map
    return DatasetCardData(
        language=[info["src_lang"], info["tgt_lang"]],
        multilinguality="multilingual",
        task_categories=["summarization"],
        size_categories=size_category(info["unique_rows"]),
        source_datasets=info["source_datasets"],
        pretty_name=info["name"],
        tags=["cross-lingual-summarization", "low-resource"],
        **extra,
        **licence,
    )


def render_card(info: dict, stats: dict, split_files: dict[str, str], split_rows: dict[str, int]) -> str:
    """README.md text for a built folder, from `build_info.json` content and the split statistics."""
    from huggingface_hub import DatasetCard

    kind = info["kind"]
    src, tgt = info["src_lang"], info["tgt_lang"]
    notes = {"train": "full training set", "validation": "validation", "test": "test"}
    splits = []
    for name, rows in split_rows.items():
        note = notes.get(name) or f"first {rows:,} rows of `train` (nested: smaller subsets are prefixes)"
        splits.append({"name": name, "rows": rows, "note": note})
    stats_splits, stats_rows = _stats_rows(stats)
    language = {k: v for k, v in info["dropped"].items() if v and LANGUAGE_DROP in k}
    dropped = ", ".join(f"{k} {v:,}" for k, v in info["dropped"].items() if v and k not in language) or "none"
    unpublishable = "; ".join(f"{v:,} dropped: {k}" for k, v in language.items()) or "none"
    leaks = info["leakage"]
    leakage = (
        f"{leaks['count']} near-duplicate pair(s) found "
        f"({', '.join(f'{k} {v}' for k, v in leaks['by_field'].items())}); "
        "they are listed in `build_info.json`"
        if leaks["count"]
        else "none found"
    )
    card = DatasetCard.from_template(
        card_data(info, split_files),
        template_path=str(TEMPLATE),
        summary=info["summary"],
        id_note=info["id_note"],
        src_name=language_name(src),
        tgt_name=language_name(tgt),
        has_url=info["has_url"],
        ids_only=info["ids_only"],
        kind=kind,
        splits=splits,
        load_name=info.get("repo_id") or info["name"],
        smallest_subset=min((s for s in split_rows if s.startswith("train_")), key=split_rows.get, default="train"),
        provenance=info["provenance"],
        dropped=dropped,
        unpublishable=unpublishable,
        sampling=info["sampling"],
        seed=info["seed"],
        leak_threshold=info["leakage"]["threshold"],
        leakage=leakage,
        tool_version=__version__,
        command=info["command"],
        stats_splits=stats_splits,
        stats_rows=stats_rows,
        licence_text=info["licence_text"],
        limitations=get_kind(kind).limitations,
        length_units=length_units(src, tgt),
        citation=info["citation"],
    )
    return str(card)


def length_units(src: str, tgt: str) -> str:
    """How the statistics count lengths, in words: per language, whitespace words or characters."""
    from cls_data.dataset.stats import unit_for_language

    if {src, tgt} <= {"vi", "zh", "en"}:  # the paper's three languages: the sentence every such card has carried
        return "whitespace words for Vietnamese and English, characters for Chinese"
    by_unit: dict[str, list[str]] = {}
    for lang in dict.fromkeys((src, tgt)):
        by_unit.setdefault("characters" if unit_for_language(lang) == "avg_chars" else "whitespace words", []).append(
            language_name(lang)
        )
    return ", ".join(f"{unit} for {' and '.join(names)}" for unit, names in by_unit.items())
