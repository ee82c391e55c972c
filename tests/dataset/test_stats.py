import json

from cls_data.dataset.stats import dataset_stats
from cls_data.records import CLSSample, write_jsonl


def sample(i, text, summary, cls_summary):
    return CLSSample(id=str(i), text=text, summary=summary, cls_summary=cls_summary, src_lang="vi", tgt_lang="zh")


def write_splits(tmp_path):
    write_jsonl(
        tmp_path / "train.jsonl",
        [
            sample(1, "Một hai ba bốn", "Một hai", "越南新闻"),
            sample(2, "Năm sáu", "Bảy tám chín mười", "中文，好"),
        ],
    )
    write_jsonl(tmp_path / "test.jsonl", [sample(3, "Một", "Hai", "三")])
    return tmp_path / "train.jsonl", tmp_path / "test.jsonl"


def test_vietnamese_fields_count_words_and_chinese_field_counts_characters(tmp_path):
    stats = dataset_stats(write_splits(tmp_path))
    assert stats["train"] == {
        "docs": 2,
        "text": {"avg_words": 3.0},
        "summary": {"avg_words": 3.0},
        "cls_summary": {"avg_chars": 4.0},
    }
    assert list(stats) == ["train", "test"]


def test_stats_json_is_the_last_stdout_line(run_cli, tmp_path):
    result = run_cli("stats", *write_splits(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["test"] == {
        "docs": 1,
        "text": {"avg_words": 1.0},
        "summary": {"avg_words": 1.0},
        "cls_summary": {"avg_chars": 1.0},
    }


def test_stats_table_lists_splits_as_columns(run_cli, tmp_path):
    result = run_cli("stats", *write_splits(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "train" in result.stdout and "source document (words)" in result.stdout
    assert "target (CLS) summary (chars)" in result.stdout


def test_a_broken_line_is_one_error_naming_file_and_line(run_cli, tmp_path):
    train, _ = write_splits(tmp_path)
    with train.open("a") as handle:
        handle.write('{"id": 4, "text": "x"}\n')
    result = run_cli("stats", train)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "train.jsonl:3:" in result.stderr


def test_an_input_with_no_documents_is_an_error_not_a_table_of_zeros(run_cli, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "train.jsonl").write_text("\n\n", encoding="utf-8")
    (tmp_path / "built" / "data").mkdir(parents=True)
    empty = pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string())})
    pq.write_table(empty, tmp_path / "built" / "data" / "test-00000-of-00001.parquet")
    for bad in (tmp_path / "train.jsonl", tmp_path / "built"):
        result = run_cli("stats", bad)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and f"{bad}: no documents" in result.stderr
