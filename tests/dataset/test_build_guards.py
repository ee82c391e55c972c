"""What `build` refuses before publishing: untranslated summaries under --strict, too few samples, a bad --out; text
comes out NFC."""

import dataclasses
import unicodedata

import pyarrow.parquet as pq
import pytest

from cls_data.dataset.builder import BuildConfig, build_dataset
from cls_data.dataset.splits import SplitSizes
from cls_data.errors import ClsDataError
from cls_data.records import write_jsonl

SIZES = SplitSizes(train=50, validation=20, test=20, subsets=(10, 30))  # 90 samples


def test_strict_refuses_a_cls_summary_not_in_the_target_language(tmp_path, gen):
    samples = gen.vi_samples(95)
    for sample in samples[10:13]:  # what an echoing translation service left in kept.jsonl
        sample.cls_summary = sample.summary
    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, samples)
    with pytest.raises(
        ClsDataError,
        match=rf"^3 of 95 samples cannot be published \(Chinese summary not in Chinese, "
        rf"e\.g\. id {samples[10].id}: cls_summary .*drop --strict.*rerun `cls-data filter`",
    ):
        build_dataset(BuildConfig("vi2zh", [kept], tmp_path / "out", sizes=SIZES, strict=True))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_short_of_samples_after_deduplication_says_how_many_more_to_keep(tmp_path, gen):
    samples = gen.vi_samples(90)
    # Syndicated news: two summaries repeat under other ids, so 90 kept give 88 distinct samples.
    samples[5] = dataclasses.replace(samples[5], summary=samples[4].summary, text="bài khác " + samples[5].text)
    samples[7] = dataclasses.replace(samples[7], summary=samples[6].summary.upper(), text="bài nữa " + samples[7].text)
    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, samples)
    with pytest.raises(ClsDataError) as short:
        build_dataset(BuildConfig("vi2zh", [kept], tmp_path / "out", sizes=SIZES))
    message = str(short.value)
    assert "needs 90 samples, the input has 88 after removing 2 duplicate" in message
    assert "2 more are needed: rerun `cls-data filter` with --keep 92 or more" in message


@pytest.mark.parametrize("where", ["a-file", "a-file/below"])
def test_an_out_that_cannot_hold_the_folder_is_refused_before_reading(tmp_path, where):
    (tmp_path / "a-file").write_text("")
    never_read = tmp_path / "missing.jsonl"  # reading it would fail: the --out check comes first
    with pytest.raises(
        ClsDataError, match=rf"^--out {tmp_path / where}: {tmp_path / 'a-file'} is a file, not a folder$"
    ):
        build_dataset(BuildConfig("vi2zh", [never_read], tmp_path / where, sizes=SIZES))


def test_nfd_input_comes_out_nfc(tmp_path, gen):
    samples = gen.vi_samples(90)
    for sample in samples:
        sample.text, sample.summary = (unicodedata.normalize("NFD", t) for t in (sample.text, sample.summary))
    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, samples)
    build_dataset(BuildConfig("vi2zh", [kept], tmp_path / "out", sizes=SIZES))
    [test_file] = (tmp_path / "out" / "Vi2ZhLow" / "data").glob("test-*.parquet")
    rows = pq.read_table(test_file).to_pylist()
    assert rows and all(unicodedata.is_normalized("NFC", row[f]) for row in rows for f in ("text", "summary"))
    assert any(row["summary"] != unicodedata.normalize("NFD", row["summary"]) for row in rows)
