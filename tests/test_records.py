import json

import pytest

from cls_data.errors import RecordError
from cls_data.records import Article, CLSSample, read_jsonl, stable_id, write_jsonl


def make_article(**overrides) -> Article:
    fields = dict(
        id=stable_id("https://vnexpress.net/a-1.html"),
        url="https://vnexpress.net/a-1.html",
        site="vnexpress",
        title="Tiêu đề",
        summary="Tóm tắt bài báo.",
        text="Đoạn một.\nĐoạn hai.",
        published="2024-02-15T08:00:00+07:00",
    )
    fields.update(overrides)
    return Article(**fields)


def write_lines(path, *lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_articles_round_trip_through_jsonl_unchanged(tmp_path):
    articles = [make_article(), make_article(id="b", url="https://x/b", category=None, author="Lan")]
    write_jsonl(tmp_path / "a.jsonl", articles)
    assert list(read_jsonl(tmp_path / "a.jsonl", Article)) == articles


def test_unknown_keys_survive_a_read_write_round_trip(tmp_path):
    row = {**json.loads(json.dumps(make_article().__dict__)), "extraction": {"summary": "css"}, "score": 3}
    row.pop("extra")
    write_lines(tmp_path / "in.jsonl", json.dumps(row, ensure_ascii=False))
    records = list(read_jsonl(tmp_path / "in.jsonl", Article))
    write_jsonl(tmp_path / "out.jsonl", records)
    assert json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8")) == row


def test_text_is_written_as_readable_utf8_not_escapes(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [make_article(title="Hà Nội")])
    assert "Hà Nội" in (tmp_path / "a.jsonl").read_text(encoding="utf-8")


def test_invalid_json_names_file_and_line(tmp_path):
    path = tmp_path / "broken.jsonl"
    write_lines(path, json.dumps(make_article().__dict__ | {"extra": None}), '{"id": "x", "url": ')
    with pytest.raises(RecordError, match=r"broken\.jsonl:2: invalid JSON"):
        list(read_jsonl(path, Article))


def test_missing_required_field_is_named(tmp_path):
    path = tmp_path / "a.jsonl"
    write_lines(path, json.dumps({"id": "x", "url": "u", "site": "s", "title": "t", "text": "b"}))
    with pytest.raises(RecordError, match=r"a\.jsonl:1: missing required field\(s\) summary for Article"):
        list(read_jsonl(path, Article))


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("summary", 42, "should be str, got int"),
        ("summary", None, "should be str, got NoneType"),
        ("published", True, "should be str or null, got bool"),
    ],
)
def test_wrong_type_is_named_with_field_and_expected_type(tmp_path, field, value, expected):
    row = {k: v for k, v in make_article().__dict__.items() if k != "extra"} | {field: value}
    write_lines(tmp_path / "a.jsonl", json.dumps(row))
    with pytest.raises(RecordError, match=rf"a\.jsonl:1: field '{field}' {expected}"):
        list(read_jsonl(tmp_path / "a.jsonl", Article))


def test_a_line_that_is_not_an_object_is_rejected(tmp_path):
    write_lines(tmp_path / "a.jsonl", "[1, 2]")
    with pytest.raises(RecordError, match="expected a JSON object, got list"):
        list(read_jsonl(tmp_path / "a.jsonl", Article))


def test_blank_lines_are_skipped_and_line_numbers_stay_true(tmp_path):
    row = json.dumps({k: v for k, v in make_article().__dict__.items() if k != "extra"})
    write_lines(tmp_path / "a.jsonl", row, "", "not json")
    with pytest.raises(RecordError, match=r":3: invalid JSON"):
        list(read_jsonl(tmp_path / "a.jsonl", Article))


def test_integer_score_is_accepted_where_a_float_is_expected(tmp_path):
    row = {"id": "1", "text": "t", "summary": "s", "src_lang": "vi", "tgt_lang": "zh", "rt_score": 1}
    write_lines(tmp_path / "s.jsonl", json.dumps(row))
    assert next(read_jsonl(tmp_path / "s.jsonl", CLSSample)).rt_score == 1


def test_missing_file_is_a_record_error(tmp_path):
    with pytest.raises(RecordError, match="cannot read"):
        list(read_jsonl(tmp_path / "nope.jsonl", Article))


def test_non_utf8_file_names_the_line(tmp_path):
    good = json.dumps(make_article().__dict__ | {"extra": None}).encode()
    (tmp_path / "a.jsonl").write_bytes(good + b'\n{"id": "\xff"}\n')
    with pytest.raises(RecordError, match=r"a\.jsonl:2: not UTF-8"):
        list(read_jsonl(tmp_path / "a.jsonl", Article))


def test_cls_sample_from_article_keeps_article_fields_and_languages():
    sample = CLSSample.from_article(make_article(), tgt_lang="zh")
    assert (sample.src_lang, sample.tgt_lang, sample.url, sample.summary) == (
        "vi",
        "zh",
        make_article().url,
        "Tóm tắt bài báo.",
    )


def test_stable_id_depends_only_on_the_url():
    assert stable_id("https://a/b") == stable_id("https://a/b") != stable_id("https://a/c")


def test_write_replaces_the_file_atomically_and_append_adds(tmp_path):
    path = tmp_path / "a.jsonl"
    write_jsonl(path, [make_article(id="1")])
    write_jsonl(path, [make_article(id="2")], append=True)
    assert [a.id for a in read_jsonl(path, Article)] == ["1", "2"]
    write_jsonl(path, [make_article(id="3")])
    assert [a.id for a in read_jsonl(path, Article)] == ["3"]
    assert not list(tmp_path.glob("*.tmp"))


def test_a_bad_byte_is_reported_on_its_own_line_not_where_the_decoder_chunk_began(tmp_path):
    good = json.dumps(make_article().__dict__ | {"extra": None}, ensure_ascii=False).encode()
    (tmp_path / "a.jsonl").write_bytes(
        good + b"\n" + good + b"\n" + good.replace(b"T\xc3\xb3m", b"T\xf3m") + b"\n" + good + b"\n"
    )
    with pytest.raises(RecordError, match=r"a\.jsonl:3: not UTF-8"):
        list(read_jsonl(tmp_path / "a.jsonl", Article))


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [make_article()])
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + (tmp_path / "a.jsonl").read_bytes())
    assert list(read_jsonl(tmp_path / "bom.jsonl", Article)) == [make_article()]


def test_line_numbers_agree_with_wc_l_when_a_text_holds_u2028_or_a_carriage_return(tmp_path):
    odd = json.dumps(make_article(summary="Dòng một\u2028dòng hai\x0c.").__dict__ | {"extra": None}, ensure_ascii=False)
    raw_cr = '{"id": "x",\r "url": "u"}'  # a bare CR between JSON tokens is whitespace, not a line end
    write_lines(tmp_path / "a.jsonl", odd, raw_cr, "not json")
    with pytest.raises(RecordError, match=r"a\.jsonl:2: missing required field"):
        list(read_jsonl(tmp_path / "a.jsonl", Article))
    assert next(read_jsonl(tmp_path / "a.jsonl", Article)).summary == "Dòng một\u2028dòng hai\x0c."


def test_decomposed_text_is_read_as_nfc_but_ids_and_urls_are_kept(tmp_path):
    import unicodedata

    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    row = make_article().__dict__ | {"extra": None}
    row = {k: nfd(v) if isinstance(v, str) else v for k, v in row.items() if k != "extra"}
    row["url"] = nfd("https://vnexpress.net/tiếng-việt.html")
    write_lines(tmp_path / "a.jsonl", json.dumps(row, ensure_ascii=False))
    article = next(read_jsonl(tmp_path / "a.jsonl", Article))
    assert (article.title, article.summary, article.text) == (
        make_article().title,
        make_article().summary,
        make_article().text,
    )
    assert unicodedata.is_normalized("NFC", article.summary) and article.url == row["url"]
