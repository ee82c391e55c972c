"""The dataset card: Hub YAML that maps every split to its file, and a body a Hub user can rely on."""

import re

import pytest
from huggingface_hub import DatasetCard

from cls_data.dataset.builder import BuildConfig, build_dataset
from cls_data.dataset.card import size_category
from cls_data.dataset.splits import SplitSizes

SIZES = SplitSizes(train=50, validation=20, test=20, subsets=(10, 30))


@pytest.fixture
def vi2zh_folder(tmp_path, kept_jsonl):
    return build_dataset(
        BuildConfig("vi2zh", [kept_jsonl], tmp_path / "out", sizes=SIZES, command="cls-data build vi2zh kept.jsonl")
    ).folder


def test_card_yaml_maps_every_split_to_an_existing_parquet_file(vi2zh_folder):
    card = DatasetCard.load(vi2zh_folder / "README.md")
    [config] = card.data.configs
    files = {item["split"]: item["path"] for item in config["data_files"]}
    assert set(files) == {"train", "train_10", "train_30", "validation", "test"}
    assert all((vi2zh_folder / path).is_file() for path in files.values())
    assert re.fullmatch(r"data/train_10-00000-of-00001-[0-9a-f]{16}\.parquet", files["train_10"])


def test_card_declares_languages_licence_task_size_and_name(vi2zh_folder):
    data = DatasetCard.load(vi2zh_folder / "README.md").data
    assert data.language == ["vi", "zh"]
    assert data.license == "other" and data.license_name
    assert data.task_categories == ["summarization"]
    assert data.size_categories == "n<1K"
    assert data.pretty_name == "Vi2ZhLow"
    assert data.multilinguality == "multilingual"


def test_card_body_tells_how_made_stats_limits_and_citation(vi2zh_folder):
    text = DatasetCard.load(vi2zh_folder / "README.md").text
    for heading in (
        "## How the data was made",
        "## Statistics (Table 1)",
        "## Limitations",
        "## Citation",
        "## Licence",
    ):
        assert heading in text
    assert "crawled from example (90)" in text and "Published 2023-01-10 to 2023-09-19" in text
    assert "round-trip score kept in this sample is 0.5000" in text
    assert "Seed `0`" in text and "cls-data build vi2zh kept.jsonl" in text
    assert "| source document (words) | 120.00 | 120.00 | 120.00 |" in text
    assert "translationese" in text and "@inproceedings" in text
    assert 'ds["train_10"]' in text


def test_ncls_card_states_the_licence_forbids_redistribution(tmp_path, gen):
    folder = build_dataset(
        BuildConfig("en2zh", [gen.write_en2zh(tmp_path / "ncls")], tmp_path / "out", sizes=SIZES)
    ).folder
    card = DatasetCard.load(folder / "README.md")
    assert card.data.license == "other" and card.data.license_name == "ncls-research-only"
    assert card.data.source_datasets == ["extended"]
    assert "forbids redistribution" in card.text and "human-corrected" in card.text


def test_ids_only_card_has_no_file_mapping_and_says_how_to_rebuild(tmp_path, gen):
    folder = build_dataset(
        BuildConfig("en2zh", [gen.write_en2zh(tmp_path / "ncls")], tmp_path / "out", sizes=SIZES, ids_only=True)
    ).folder
    card = DatasetCard.load(folder / "README.md")
    assert card.data.get("configs") is None
    assert "holds no text" in card.text and "cls-data build en2zh CORPUS_FILES --ids ids.json" in card.text


def test_size_category_boundaries():
    assert [size_category(n) for n in (999, 1000, 11000, 100_000)] == ["n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M"]


def test_translation_backend_comes_from_the_records_or_the_option(tmp_path, gen):
    import dataclasses

    from cls_data.records import write_jsonl

    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, [dataclasses.replace(s, extra={"translator": "google"}) for s in gen.vi_samples(100)])
    from_records = build_dataset(BuildConfig("vi2zh", [kept], tmp_path / "a", sizes=SIZES)).folder
    assert "(backend: google)" in (from_records / "README.md").read_text(encoding="utf-8")
    named = build_dataset(
        BuildConfig("vi2zh", [kept], tmp_path / "b", sizes=SIZES, translator="NLLB-200 distilled 600M")
    ).folder
    assert "(backend: NLLB-200 distilled 600M)" in (named / "README.md").read_text(encoding="utf-8")
