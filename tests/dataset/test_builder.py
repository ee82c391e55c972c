"""End-to-end builds: folders that load offline with the right splits, and clean failures."""

import dataclasses
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cls_data.dataset.builder import BuildConfig, build_dataset
from cls_data.dataset.splits import SplitSizes
from cls_data.dataset.stats import dataset_stats
from cls_data.errors import ClsDataError
from cls_data.records import write_jsonl

SIZES = SplitSizes(train=50, validation=20, test=20, subsets=(10, 30))
EXPECTED_ROWS = {"train": 50, "train_10": 10, "train_30": 30, "validation": 20, "test": 20}


def _read(folder: Path) -> dict[str, list[dict]]:
    return {p.name.split("-")[0]: pq.read_table(p).to_pylist() for p in sorted((folder / "data").glob("*.parquet"))}


def _load_offline(folder: Path):
    import datasets

    return datasets.load_dataset(str(folder))


def test_vi2zh_with_planted_duplicates_builds_a_folder_that_loads_offline(tmp_path, gen):
    samples = gen.vi_samples(95)
    dupes = [
        dataclasses.replace(samples[0], id="dup-doc", url="https://mirror.example.vn/1", text=samples[0].text + " "),
        dataclasses.replace(
            samples[1], id="dup-sum", url="https://mirror.example.vn/2", text="bài khác hẳn " + samples[2].text
        ),
        dataclasses.replace(samples[3], id="dup-sum2", text="một bài khác", summary=samples[3].summary.upper()),
    ]
    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, samples[:50] + dupes + samples[50:])
    result = build_dataset(
        BuildConfig("vi2zh", [kept], tmp_path / "out", sizes=SIZES, command="cls-data build vi2zh kept.jsonl")
    )
    folder = tmp_path / "out" / "Vi2ZhLow"
    assert result.folder == folder and result.read == 98
    assert result.dropped == {"duplicate document": 1, "duplicate summary": 2}
    assert result.split_rows == EXPECTED_ROWS

    ds = _load_offline(folder)
    assert {name: ds[name].num_rows for name in ds} == EXPECTED_ROWS
    assert ds["train"].column_names == ["id", "text", "summary", "cls_summary", "url"]
    ids = {name: set(ds[name]["id"]) for name in ds}
    assert not {"dup-doc", "dup-sum", "dup-sum2"} & set().union(*ids.values())
    assert (
        not ids["train"] & ids["validation"] and not ids["train"] & ids["test"] and not ids["validation"] & ids["test"]
    )
    assert ds["train"]["id"][:10] == ds["train_10"]["id"] and ds["train"]["id"][:30] == ds["train_30"]["id"]
    by_id = {s.id: s for s in samples}
    row = ds["test"][0]
    assert row["text"] == by_id[row["id"]].text and row["cls_summary"] == by_id[row["id"]].cls_summary

    info = json.loads((folder / "build_info.json").read_text(encoding="utf-8"))
    assert (info["src_lang"], info["tgt_lang"], info["seed"]) == ("vi", "zh", 0)
    assert info["inputs"][0]["sha256"] and info["tool_version"] and info["command"].startswith("cls-data build")
    stats = dataset_stats([folder])
    assert stats["train"]["docs"] == 50 and stats["test"]["cls_summary"] == {"avg_chars": 30.0}
    assert stats["validation"]["text"] == {"avg_words": 120.0}
    assert json.loads((folder / "stats.json").read_text(encoding="utf-8"))["train"] == stats["train"]
    manifest = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
    assert manifest["splits"]["test"] == ds["test"]["id"]


def test_same_input_and_seed_rebuild_identical_splits(tmp_path, kept_jsonl):
    first = build_dataset(BuildConfig("vi2zh", [kept_jsonl], tmp_path / "a", sizes=SIZES)).folder
    second = build_dataset(BuildConfig("vi2zh", [kept_jsonl], tmp_path / "b", sizes=SIZES)).folder
    other_seed = build_dataset(BuildConfig("vi2zh", [kept_jsonl], tmp_path / "c", seed=7, sizes=SIZES)).folder
    assert _read(first) == _read(second)
    for split in EXPECTED_ROWS:
        [a], [b] = (list((folder / "data").glob(f"{split}-*.parquet")) for folder in (first, second))
        assert a.name == b.name and a.read_bytes() == b.read_bytes()
    assert _read(first)["test"] != _read(other_seed)["test"]


def test_too_little_data_fails_and_leaves_no_folder(tmp_path, gen):
    kept = tmp_path / "kept.jsonl"
    samples = gen.vi_samples(89)
    write_jsonl(kept, samples + [dataclasses.replace(samples[0], id="again")])
    with pytest.raises(ClsDataError, match=r"needs 90 samples, the input has 89 after removing 1 duplicate"):
        build_dataset(BuildConfig("vi2zh", [kept], tmp_path / "out", sizes=SIZES))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_rebuild_replaces_an_earlier_build_but_never_a_foreign_folder(tmp_path, kept_jsonl):
    build_dataset(BuildConfig("vi2zh", [kept_jsonl], tmp_path / "out", sizes=SIZES))
    (tmp_path / "out" / "Vi2ZhLow" / "stale.txt").write_text("old", encoding="utf-8")
    build_dataset(BuildConfig("vi2zh", [kept_jsonl], tmp_path / "out", seed=1, sizes=SIZES))
    assert not (tmp_path / "out" / "Vi2ZhLow" / "stale.txt").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["Vi2ZhLow"]  # no temp or backup left
    foreign = tmp_path / "mine" / "Vi2ZhLow"
    foreign.mkdir(parents=True)
    with pytest.raises(ClsDataError, match="not a folder built by cls-data"):
        build_dataset(BuildConfig("vi2zh", [kept_jsonl], tmp_path / "mine", sizes=SIZES))


def test_strict_fails_on_leakage_and_writes_nothing(tmp_path, gen):
    samples = gen.vi_samples(100)
    # near copies of every tenth article: wherever the shuffle puts them, some pairs straddle splits
    copies = [
        dataclasses.replace(s, id=f"near-{i}", url=None, text=s.text + " cập nhật", summary="tin " + s.summary + " mới")
        for i, s in enumerate(samples[::4])
    ]
    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, samples + copies)
    loose = build_dataset(BuildConfig("vi2zh", [kept], tmp_path / "loose", sizes=SIZES))
    assert loose.leaks and {leak.field for leak in loose.leaks} == {"text", "summary"}
    info = json.loads((loose.folder / "build_info.json").read_text(encoding="utf-8"))
    assert info["leakage"]["count"] == len(loose.leaks) == len(info["leakage"]["pairs"])
    with pytest.raises(ClsDataError, match="--strict: .* near-duplicate pair"):
        build_dataset(BuildConfig("vi2zh", [kept], tmp_path / "strict", sizes=SIZES, strict=True))
    assert not (tmp_path / "strict").exists()


def test_en2zh_from_ncls_files_uses_human_refs_in_test_and_reports_malformed(tmp_path, gen):
    folder = gen.write_en2zh(tmp_path / "ncls")
    result = build_dataset(BuildConfig("en2zh", [folder], tmp_path / "out", sizes=SIZES))
    assert result.parse.malformed == 2 and result.split_rows == EXPECTED_ROWS
    ds = _load_offline(result.folder)
    assert ds["train"].column_names == ["id", "text", "summary", "cls_summary"]
    assert all(s.startswith("人工参考") and s.endswith("人工校对。") for s in ds["test"]["cls_summary"])
    assert all(i.startswith("en2zhsum-train-") for i in ds["train"]["id"])
    assert all(i.startswith("en2zhsum-valid-") for i in ds["validation"]["id"])
    info = json.loads((result.folder / "build_info.json").read_text(encoding="utf-8"))
    assert info["malformed_blocks"] == 2 and info["redistributable"] is False
    assert (info["src_lang"], info["tgt_lang"]) == ("en", "zh")
    assert dataset_stats([result.folder])["test"]["summary"] == {"avg_words": 22.0}


def test_zh2en_joins_lcsts_and_loads_offline(tmp_path, gen):
    folder, part = gen.write_zh2en(tmp_path / "z")
    result = build_dataset(BuildConfig("zh2en", [folder], tmp_path / "out", sizes=SIZES, lcsts=[part]))
    ds = _load_offline(result.folder)
    assert {name: ds[name].num_rows for name in ds} == EXPECTED_ROWS
    stats = dataset_stats([result.folder])
    assert stats["train"]["text"] == {"avg_chars": 110.0} and stats["train"]["cls_summary"] == {"avg_words": 14.0}


def test_ncls_derived_clssample_jsonl_split_files_are_accepted(tmp_path, gen):
    from cls_data.dataset.ncls import ParseReport, read_en2zh

    folder = gen.write_en2zh(tmp_path / "ncls")
    jsonl = tmp_path / "jsonl"
    for split in ("train", "valid", "test"):
        write_jsonl(
            jsonl / f"en2zh_{split}.jsonl",
            (s for _, s in read_en2zh([folder / f"EN2ZHSUM_{split}.txt"], [], ParseReport())),
        )
    from_jsonl = build_dataset(BuildConfig("en2zh", sorted(jsonl.iterdir()), tmp_path / "a", sizes=SIZES))
    from_txt = build_dataset(BuildConfig("en2zh", [folder], tmp_path / "b", sizes=SIZES))
    assert _read(from_jsonl.folder) == _read(from_txt.folder)


def test_wrong_language_pair_is_refused(tmp_path, kept_jsonl):
    with pytest.raises(ClsDataError, match="vi->zh, but `build en2zh` needs en->zh"):
        build_dataset(BuildConfig("en2zh", [kept_jsonl], tmp_path / "out", sizes=SIZES))


def test_ids_only_writes_manifest_and_card_without_text(tmp_path, gen):
    folder = gen.write_en2zh(tmp_path / "ncls")
    result = build_dataset(
        BuildConfig(
            "en2zh",
            [folder],
            tmp_path / "out",
            sizes=SIZES,
            ids_only=True,
            command="cls-data build en2zh ncls --ids-only",
        )
    )
    assert not (result.folder / "data").exists()
    manifest = json.loads((result.folder / "ids.json").read_text(encoding="utf-8"))
    assert {k: len(v) for k, v in manifest["splits"].items()} == EXPECTED_ROWS
    assert manifest["command"] == "cls-data build en2zh ncls --ids-only" and manifest["seed"] == 0
    assert {i["name"] for i in manifest["inputs"]} == {"EN2ZHSUM_train.txt", "EN2ZHSUM_valid.txt", "EN2ZHSUM_test.txt"}
    assert dataset_stats([result.folder])["test"]["docs"] == 20  # Table 1 from stats.json: no text here
    full = build_dataset(BuildConfig("en2zh", [folder], tmp_path / "full", sizes=SIZES))
    assert {k: [r["id"] for r in v] for k, v in _read(full.folder).items()} == manifest["splits"]


def test_default_sizes_build_the_papers_splits(tmp_path, gen):
    import random

    rng = random.Random(11)
    samples = [
        dataclasses.replace(s, text=gen.words(rng, gen.VI_SYLLABLES, 60)) for s in gen.vi_samples(11_050, seed=9)
    ]
    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, samples)
    result = build_dataset(BuildConfig("vi2zh", [kept], tmp_path / "out"))
    assert result.split_rows == {
        "train": 5000,
        "train_1000": 1000,
        "train_3000": 3000,
        "validation": 3000,
        "test": 3000,
    }
    rows = _read(result.folder)
    assert [r["id"] for r in rows["train"][:1000]] == [r["id"] for r in rows["train_1000"]]
    assert len({r["id"] for split in ("train", "validation", "test") for r in rows[split]}) == 11_000
    assert json.loads((result.folder / "build_info.json").read_text(encoding="utf-8"))["unique_rows"] == 11_000


def test_ids_manifest_rebuilds_the_same_splits_and_refuses_another_corpus(tmp_path, gen):
    folder = gen.write_en2zh(tmp_path / "ncls")
    shared = build_dataset(
        BuildConfig("en2zh", [folder], tmp_path / "shared", seed=3, sizes=SIZES, ids_only=True)
    ).folder
    manifest = shared / "ids.json"
    rebuilt = build_dataset(BuildConfig("en2zh", [folder], tmp_path / "rebuilt", ids_manifest=manifest))
    assert rebuilt.parse.malformed == 2 and rebuilt.split_rows == EXPECTED_ROWS
    ids = {split: [r["id"] for r in rows] for split, rows in _read(rebuilt.folder).items()}
    assert ids == json.loads(manifest.read_text(encoding="utf-8"))["splits"]
    info = json.loads((rebuilt.folder / "build_info.json").read_text(encoding="utf-8"))
    assert info["seed"] == 3 and info["rebuilt_from"] == str(manifest)

    other = gen.write_en2zh(tmp_path / "other", counts=(80, 30, 25))  # a test file with fewer documents
    wanted_test = json.loads(manifest.read_text(encoding="utf-8"))["splits"]["test"]
    assert any(int(i.rsplit("-", 1)[1]) >= 25 for i in wanted_test)  # 20 of 30 at seed 3: some are gone
    with pytest.raises(ClsDataError, match=r"not in the input .*release"):
        build_dataset(BuildConfig("en2zh", [other], tmp_path / "bad", ids_manifest=manifest))
    assert not (tmp_path / "bad").exists()
    with pytest.raises(ClsDataError, match="lists en2zh ids; run `cls-data build en2zh`"):
        build_dataset(BuildConfig("zh2en", [folder], tmp_path / "bad", ids_manifest=manifest))


def test_a_test_article_repeated_in_ncls_train_keeps_its_test_copy(tmp_path, gen):
    from cls_data.dataset.ncls import ParseReport, read_en2zh

    folder = gen.write_en2zh(tmp_path / "ncls")
    pools = {
        split: [s for _, s in read_en2zh([folder / f"EN2ZHSUM_{split}.txt"], [], ParseReport())]
        for split in ("train", "valid", "test")
    }
    repeated = pools["test"][4]
    pools["train"].append(dataclasses.replace(repeated, id="en2zhsum-train-777"))
    for split, samples in pools.items():
        write_jsonl(tmp_path / "jsonl" / f"{split}.jsonl", samples)
    sizes = SplitSizes(train=50, validation=30, test=30, subsets=(10,))
    result = build_dataset(BuildConfig("en2zh", [tmp_path / "jsonl"], tmp_path / "out", sizes=sizes))
    assert result.dropped == {"duplicate document": 1}
    rows = _read(result.folder)
    assert repeated.id in {r["id"] for r in rows["test"]}
    assert "en2zhsum-train-777" not in {r["id"] for r in rows["train"]}


def test_unreadable_jsonl_line_stops_with_file_and_line(tmp_path, gen):
    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, gen.vi_samples(3))
    with kept.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "x", "text": 5}\n')
    with pytest.raises(ClsDataError, match=rf"{kept}:4: "):
        build_dataset(BuildConfig("vi2zh", [kept], tmp_path / "out", sizes=SIZES))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ClsDataError, match="no samples read"):
        build_dataset(BuildConfig("vi2zh", [empty], tmp_path / "out", sizes=SIZES))


def test_crawl_output_is_refused_with_what_to_run_first(tmp_path):
    from cls_data.records import Article

    crawled = tmp_path / "articles.jsonl"
    write_jsonl(crawled, [Article(id="a1", url="https://x/1", site="vnexpress", title="t", summary="s", text="b")])
    with pytest.raises(ClsDataError, match="holds crawled articles, not translated samples: run `cls-data filter`"):
        build_dataset(BuildConfig(kind="vi2zh", inputs=[crawled], out=tmp_path / "out"))
    assert not (tmp_path / "out" / "Vi2ZhLow").exists()


def test_load_dataset_of_a_second_or_rebuilt_folder_returns_its_own_rows_not_a_cached_copy(tmp_path, kept_jsonl):
    # datasets keys a local folder's cache by its card's YAML; with fixed file names every Vi2ZhLow
    # folder had the same YAML, so loading another build silently returned the first one's rows.
    first = build_dataset(BuildConfig("vi2zh", [kept_jsonl], tmp_path / "a", sizes=SIZES)).folder
    second = build_dataset(BuildConfig("vi2zh", [kept_jsonl], tmp_path / "b", seed=7, sizes=SIZES)).folder
    for folder in (first, second, first):
        assert _load_offline(folder)["test"]["id"] == [row["id"] for row in _read(folder)["test"]]
