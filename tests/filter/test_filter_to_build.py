"""The hand-off between stages: the filter's kept.jsonl is what `cls-data build vi2zh` reads."""

from __future__ import annotations

from cls_data.dataset.builder import BuildConfig, build_dataset
from cls_data.dataset.splits import SplitSizes
from cls_data.dataset.stats import dataset_stats
from cls_data.filter.run import FilterConfig, run_filter


def test_kept_samples_build_a_dataset_whose_card_names_the_translator(tmp_path, articles_file, mt_server, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    run_filter(
        FilterConfig(
            input=articles_file,
            out=tmp_path / "filtered",
            keep=30,
            translator="libretranslate",
            translator_url=mt_server.url,
            cache=tmp_path / "cache.sqlite",
        )
    )

    sizes = SplitSizes.parse("train=20,validation=5,test=5,subsets=5+10")
    result = build_dataset(
        BuildConfig(kind="vi2zh", inputs=[tmp_path / "filtered" / "kept.jsonl"], out=tmp_path / "datasets", sizes=sizes)
    )

    folder = tmp_path / "datasets" / "Vi2ZhLow"
    assert result.folder == folder
    assert result.split_rows == {"train": 20, "train_5": 5, "train_10": 10, "validation": 5, "test": 5}
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "(backend: libretranslate)" in card
    stats = dataset_stats([folder])
    assert stats["test"]["docs"] == 5 and "avg_chars" in stats["test"]["cls_summary"]

    import datasets

    loaded = datasets.load_dataset(str(folder))
    assert {name: split.num_rows for name, split in loaded.items()} == result.split_rows
    assert set(loaded["test"].column_names) >= {"id", "text", "summary", "cls_summary"}
