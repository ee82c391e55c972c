"""`cls-data demo --pair de-en`: a second pair from bundled data alone (no code for it): its site crawled on
127.0.0.1 by the generic spider from the pair's sites.toml, filtered from its translation cache with no request
sent, built as De2EnLow, benchmarked in the smoke preset and reported."""

from __future__ import annotations

import dataclasses
import json

import pytest

from cls_data.demo import GRID

pytest.importorskip("torch")
PAIR_GRID = dataclasses.replace(GRID, variants=("mbart-cls", "llm-prompt"))


@pytest.fixture(scope="module")
def pair_demo(tmp_path_factory):
    from cls_data.demo.pair import run_pair_demo

    out = tmp_path_factory.mktemp("pair-demo") / "demo-de-en"
    return run_pair_demo("de-en", out, grid=PAIR_GRID)


@pytest.mark.slow  # one demo run, ~40 s on the 2-core sandbox
def test_the_pairs_site_is_crawled_by_the_generic_spider_from_its_sites_toml(pair_demo):
    from cls_data.demo.pair import load_pair
    from cls_data.records import Article, read_jsonl

    summary = json.loads(pair_demo.crawl_summary.read_text())
    site = summary["sites"]["nachrichten.example.de"]
    assert site["articles"] == 24 and site["rules"]["lang"] == {"html-lang": 24}
    bundled = {a.url: a for a in read_jsonl(load_pair("de-en").articles, Article)}
    for crawled in read_jsonl(pair_demo.articles, Article):  # what the spider read is what the site published
        assert (crawled.title, crawled.summary, crawled.lang) == (
            bundled[crawled.url].title,
            bundled[crawled.url].summary,
            "de",
        )


@pytest.mark.slow  # one demo run, ~40 s on the 2-core sandbox
def test_the_german_pair_is_filtered_from_its_cache_and_the_drifting_round_trips_dropped(pair_demo):
    assert pair_demo.counts["articles"] == 24 and pair_demo.counts["translation_requests"] == 0
    assert pair_demo.counts["kept"] == 20 and len(pair_demo.dropped) == 4
    assert "Sachsen" in " ".join(pair_demo.dropped)  # one of the four back-translations written to drift


@pytest.mark.slow  # one demo run, ~40 s on the 2-core sandbox
def test_the_pair_dataset_has_its_languages_card_and_statistics(pair_demo):
    import datasets

    info = json.loads((pair_demo.dataset / "build_info.json").read_text())
    assert pair_demo.dataset.name == "De2EnLow" and (info["src_lang"], info["tgt_lang"]) == ("de", "en")
    assert pair_demo.split_rows == {"train": 12, "train_6": 6, "validation": 4, "test": 4}
    loaded = datasets.load_dataset(str(pair_demo.dataset))
    assert loaded["train"].num_rows == 12 and "German news articles" in pair_demo.dataset_card.read_text()
    assert (pair_demo.dataset / "stats.json").exists()


@pytest.mark.slow  # one demo run, ~40 s on the 2-core sandbox
def test_the_pair_trains_in_the_smoke_preset_and_is_reported(pair_demo):
    assert not pair_demo.failed_runs and len(pair_demo.benchmark_runs) == 2
    for run in pair_demo.benchmark_runs:
        metrics = json.loads((pair_demo.runs / run / "metrics.json").read_text())
        assert metrics["tokenizer"] == "en" and set(metrics["test"]) == {"rouge1", "rouge2", "rougeL"}
    assert pair_demo.results_md.exists() and "De2EnLow" in pair_demo.results_md.read_text()


def test_the_llm_prompt_names_the_pairs_languages(tmp_path):
    from transformers import AutoTokenizer

    from cls_data.benchmark.families.llm import LlmCodec, build_tiny_llm

    texts = ["Die Regierung tagt.", "The government meets."]
    folder = build_tiny_llm(texts, tmp_path / "llm", vocab_size=300, hidden=16)
    codec = LlmCodec(AutoTokenizer.from_pretrained(folder), "de", "en", context=256)
    assert "Summarise the following German news article in English" in codec.instruction
