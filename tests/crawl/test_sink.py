"""The output and its seen-set stay consistent when a crawl is killed between write and commit."""

from __future__ import annotations

from cls_data.crawl.sink import CrawlSink
from cls_data.records import Article, dumps, read_jsonl, stable_id


def _article(n: int) -> Article:
    url = f"https://tuoitre.vn/bai-{n}.htm"
    return Article(
        id=stable_id(url), url=url, site="tuoitre", title=f"Bài {n}", summary=f"Tóm tắt {n}", text=f"Nội dung {n}"
    )


def test_lines_written_after_the_last_commit_are_recovered_and_a_torn_line_is_cut(tmp_path):
    out = tmp_path / "a.jsonl"
    sink = CrawlSink(out)
    sink.write(_article(0), [("url", _article(0).url)])
    sink.close()
    with out.open("a", encoding="utf-8") as handle:  # killed after writing, before committing
        handle.write(dumps(_article(1)) + "\n")
        handle.write(dumps(_article(2))[:30])  # and mid-way through another line
    sink = CrawlSink(out)
    assert sink.seen("url", _article(0).url) and sink.seen("url", _article(1).url)
    assert not sink.seen("url", _article(2).url)
    sink.close()
    assert [a.id for a in read_jsonl(out, Article)] == [_article(0).id, _article(1).id]


def test_a_malformed_line_in_an_existing_output_is_one_error_with_file_and_line(tmp_path):
    import pytest

    from cls_data.errors import RecordError

    out = tmp_path / "a.jsonl"
    out.write_text(dumps(_article(0)) + "\nnot json\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"a\.jsonl:2: invalid JSON .*cannot be resumed"):
        CrawlSink(out)
    out.write_text(dumps(_article(0)) + '\n{"url": "https://tuoitre.vn/x"}\n', encoding="utf-8")
    with pytest.raises(RecordError, match=r"a\.jsonl:2: missing required field\(s\) id, site, summary, text, title"):
        CrawlSink(out)
