"""The benchmark's data pipeline: dataset folders, token layout, the token cache, bucketed batches."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("torch")

from cls_data.benchmark.config import TrainConfig  # noqa: E402
from cls_data.benchmark.data import (  # noqa: E402
    IGNORE_INDEX,
    collate,
    encode_split,
    fixed_subset,
    length_batches,
    open_dataset,
    train_split_for_size,
)
from cls_data.errors import ClsDataError  # noqa: E402


def test_the_language_pair_comes_from_build_info_and_train_sizes_map_to_the_nested_splits(dataset):
    assert (dataset.name, dataset.src_lang, dataset.tgt_lang) == ("Vi2ZhLow", "vi", "zh")
    assert train_split_for_size(dataset, 8) == ("train_8", None, None)
    assert train_split_for_size(dataset, 24) == ("train", None, None)
    split, limit, note = train_split_for_size(dataset, 12)
    assert (split, limit) == ("train", 12) and "first 12" in note
    with pytest.raises(ClsDataError, match="only 24 training pairs"):
        train_split_for_size(dataset, 1000)


def test_a_missing_split_or_column_is_one_clear_line(dataset):
    with pytest.raises(ClsDataError) as missing_split:
        dataset.split("train_1000")
    assert str(missing_split.value).count("\n") == 0 and "no split 'train_1000'" in str(missing_split.value)
    with pytest.raises(ClsDataError, match=r"has no column 'mono'; it has: id, text, summary, cls_summary"):
        dataset.split("train", ("text", "mono"))


def test_a_folder_without_build_info_needs_the_languages(tmp_path, dataset_dir):
    copy = tmp_path / "Plain"
    shutil.copytree(dataset_dir / "data", copy / "data")
    with pytest.raises(ClsDataError, match="--src-lang and --tgt-lang"):
        open_dataset(copy)
    assert open_dataset(copy, src_lang="vi", tgt_lang="zh").splits["train"].num_rows == 24


def test_mbart_token_layout_of_sources_labels_and_monolingual_labels(dataset, codec):
    tok = codec.tokenizer
    eos, vi, zh = tok.eos_token_id, tok.convert_tokens_to_ids("vi_VN"), tok.convert_tokens_to_ids("zh_CN")
    encoded = encode_split(dataset, "train_8", codec, source="text", target="cls_summary", mono_target="summary")
    for i in range(len(encoded)):
        assert encoded.src.row(i)[-2:].tolist() == [eos, vi]  # X </s> vi_VN
        assert encoded.tgt.row(i)[-2:].tolist() == [eos, zh]  # Y </s> zh_CN: the model shifts it to zh_CN Y
        assert encoded.mono.row(i)[-2:].tolist() == [eos, vi]  # the monolingual decoder starts with vi_VN
    row = dataset.split("train_8")[0]
    assert codec.decode([encoded.tgt.row(0).tolist()]) == [row["cls_summary"]]
    assert encoded.references[0] == row["cls_summary"] and encoded.ids[0] == row["id"]


def test_sources_and_targets_are_truncated_keeping_the_end_markers(dataset, codec):
    encoded = encode_split(dataset, "train_8", codec, source="text", target="summary", src_max_len=16, tgt_max_len=5)
    assert encoded.src.lengths.max() == 16 and encoded.tgt.lengths.max() == 5
    assert encoded.src.row(0)[-1] == codec.tokenizer.convert_tokens_to_ids("vi_VN")


class CountingCodec:
    """The real codec, counting how many texts it is asked to tokenize."""

    def __init__(self, codec):
        self.codec, self.texts = codec, 0
        self.key, self.pad_id = codec.key, codec.pad_id

    def encode(self, texts, role, max_len):
        self.texts += len(texts)
        return self.codec.encode(texts, role, max_len)


def test_tokenized_columns_are_cached_on_disk_and_reused(dataset, codec, tmp_path):
    counting = CountingCodec(codec)
    first = encode_split(dataset, "validation", counting, source="text", target="cls_summary", cache_dir=tmp_path)
    assert counting.texts == 12 and len(list(tmp_path.glob("*.npz"))) == 2
    again = encode_split(dataset, "validation", counting, source="text", target="cls_summary", cache_dir=tmp_path)
    assert counting.texts == 12
    assert np.array_equal(first.src.flat, again.src.flat) and np.array_equal(first.tgt.offsets, again.tgt.offsets)
    encode_split(
        dataset, "validation", counting, source="text", target="cls_summary", src_max_len=32, cache_dir=tmp_path
    )
    assert counting.texts == 18  # another length limit is another cache entry; the targets are reused


def test_batches_cover_every_pair_once_are_reproducible_and_shapes_are_bucketed(dataset, codec):
    encoded = encode_split(dataset, "train", codec, source="text", target="cls_summary", mono_target="summary")
    cfg = TrainConfig(batch_size=5)
    batches = length_batches(encoded, cfg, seed=3, epoch=1)
    assert sorted(np.concatenate(batches).tolist()) == list(range(24))
    assert all(
        np.array_equal(a, b) for a, b in zip(batches, length_batches(encoded, cfg, seed=3, epoch=1), strict=False)
    )
    assert any(
        not np.array_equal(a, b) for a, b in zip(batches, length_batches(encoded, cfg, seed=3, epoch=2), strict=False)
    )
    batch = collate(encoded, batches[0], cfg, codec.pad_id)
    assert (
        batch["input_ids"].shape[1] % 64 == 0
        and batch["labels"].shape[1] % 16 == 0
        and batch["mono_labels"].shape[1] % 16 == 0
    )
    first = int(batches[0][0])
    n = int(encoded.src.lengths[first])
    assert batch["input_ids"][0, :n].tolist() == encoded.src.row(first).tolist()
    assert batch["attention_mask"][0].sum() == n and (batch["input_ids"][0, n:] == codec.pad_id).all()
    m = int(encoded.tgt.lengths[first])
    assert (batch["labels"][0, m:] == IGNORE_INDEX).all() and batch["labels"][0, :m].tolist() == encoded.tgt.row(
        first
    ).tolist()


def test_token_budget_batches_stay_under_the_budget(dataset, codec):
    encoded = encode_split(dataset, "train", codec, source="text", target="cls_summary")
    cfg = TrainConfig(token_budget=256)
    batches = length_batches(encoded, cfg, seed=0, epoch=0)
    assert sorted(np.concatenate(batches).tolist()) == list(range(24))
    for indices in batches:
        width = collate(encoded, indices, cfg, codec.pad_id)["input_ids"].shape[1]
        assert len(indices) == 1 or len(indices) * width <= 256


def test_the_validation_subset_is_fixed(dataset):
    assert fixed_subset(100, 10).tolist() == fixed_subset(100, 10).tolist()
    assert len(set(fixed_subset(100, 10).tolist())) == 10 and fixed_subset(5, None).tolist() == [0, 1, 2, 3, 4]


def test_build_info_written_by_the_builder_names_the_languages(dataset_dir):
    info = json.loads((dataset_dir / "build_info.json").read_text(encoding="utf-8"))
    assert (info["src_lang"], info["tgt_lang"]) == ("vi", "zh")


def test_a_rebuilt_folder_of_the_same_name_is_read_afresh_not_from_a_stale_datasets_cache(tmp_path):
    # datasets keys `load_dataset(folder)` by the card's YAML only, so two Vi2ZhLow folders shared
    # one cache entry and the second silently returned the first one's rows.
    from cls_data.benchmark.data import open_dataset
    from tests.support.cls_dataset import build_cls_dataset

    first = open_dataset(
        build_cls_dataset(tmp_path / "a", train=12, validation=4, test=4, subsets=(4, 8), text_words=12)
    )
    second = open_dataset(
        build_cls_dataset(tmp_path / "b", train=16, validation=4, test=4, subsets=(4, 8), text_words=12, seed=7)
    )
    assert len(first.split("train")) == 12
    assert len(second.split("train")) == 16
    assert first.fingerprint != second.fingerprint
