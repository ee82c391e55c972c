"""NCLS En2ZhSum / Zh2EnSum and LCSTS readers: tags, not line offsets; bad blocks counted, not fatal."""

import pytest

from cls_data.dataset.ncls import ParseReport, read_en2zh, read_zh2en
from cls_data.errors import ClsDataError

EN2ZH_TEST = """\
<doc id=7>
<Article>
First line of the article .
Second line of the article .
</Article>
<EN-REF-2>
second english sentence .
<EN-REF-1>
first english sentence .
<ZH-REF-1>
机器翻译一。
<ZH-REF-2>
机器翻译二。
<ZH-REF-1-human-corrected>
人工校对一。
<ZH-REF-2-human-corrected>
人工校对二。
</doc>
"""


def test_en2zh_block_joins_article_lines_orders_refs_and_prefers_human_corrected(tmp_path):
    path = tmp_path / "EN2ZHSUM_test.txt"
    path.write_text(EN2ZH_TEST, encoding="utf-8")
    report = ParseReport()
    [sample] = read_en2zh(path, report)
    assert sample.id == "en2zhsum-test-7"
    assert sample.text == "First line of the article . Second line of the article ."
    assert sample.summary == "first english sentence . second english sentence ."
    assert sample.cls_summary == "人工校对一。人工校对二。"
    assert (sample.src_lang, sample.tgt_lang) == ("en", "zh")
    assert report.malformed == 0 and report.blocks == 1


def test_en2zh_without_human_refs_uses_machine_refs(tmp_path):
    path = tmp_path / "EN2ZHSUM_valid.txt"
    text = "\n".join(line for line in EN2ZH_TEST.splitlines() if "human" not in line and "人工" not in line)
    path.write_text(text + "\n", encoding="utf-8")
    [sample] = read_en2zh(path, ParseReport())
    assert sample.cls_summary == "机器翻译一。机器翻译二。"


def test_malformed_blocks_are_reported_with_file_and_line_and_skipped(tmp_path, gen):
    folder = gen.write_en2zh(tmp_path / "ncls", counts=(12, 1, 1))
    path = folder / "EN2ZHSUM_train.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    report = ParseReport()
    samples = list(read_en2zh(path, report))
    assert len(samples) == 12
    assert report.malformed == 2
    missing_zh, unclosed = report.problems
    assert missing_zh.endswith("no <ZH-REF> content")
    assert unclosed.endswith("block not closed by </doc> before the next <doc>")
    # the reported line is the block's <doc> line in the file
    for problem, doc_id in ((missing_zh, "9999"), (unclosed, "8888")):
        where = problem.split(": ")[0]
        file, line = where.rsplit(":", 1)
        assert file == str(path)
        assert lines[int(line) - 1] == f"<doc id={doc_id}>"


def test_file_ending_inside_a_block_is_counted(tmp_path):
    path = tmp_path / "EN2ZHSUM_test.txt"
    path.write_text(EN2ZH_TEST + "<doc id=8>\n<Article>\ncut off\n", encoding="utf-8")
    report = ParseReport()
    assert len(list(read_en2zh(path, report))) == 1
    assert report.malformed == 1 and "file ends inside a block" in report.problems[0]
    assert report.problems[0].startswith(f"{path}:19:")


def test_split_must_be_named_in_the_file_name(tmp_path):
    path = tmp_path / "EN2ZHSUM.txt"
    path.write_text(EN2ZH_TEST, encoding="utf-8")
    with pytest.raises(ClsDataError, match="cannot tell its split"):
        list(read_en2zh(path, ParseReport()))


def test_zh2en_joins_lcsts_articles_by_id(tmp_path, gen):
    folder, part = gen.write_zh2en(tmp_path / "z", counts=(3, 2, 2))
    files = sorted(folder.glob("ZH2ENSUM_*.txt"))
    samples = list(read_zh2en(files, [part], ParseReport(), {}))
    assert len(samples) == 7
    lcsts = part.read_text(encoding="utf-8")
    for sample in samples:
        assert (sample.src_lang, sample.tgt_lang) == ("zh", "en")
        doc = sample.id.rsplit("-", 1)[1]
        block = lcsts.split(f"<doc id={doc}>")[1].split("</doc>")[0]
        assert sample.text in block and sample.summary in block
        assert sample.cls_summary and sample.cls_summary.isascii()


def test_zh2en_rejects_an_lcsts_article_whose_summary_disagrees(tmp_path, gen):
    folder, part = gen.write_zh2en(tmp_path / "z", counts=(2, 1, 1))
    text = part.read_text(encoding="utf-8")
    first_summary = text.split("<summary>")[1].split("</summary>")[0].strip()
    part.write_text(text.replace(first_summary, "完全不同的摘要"), encoding="utf-8")
    unmatched: dict = {}
    samples = list(read_zh2en(sorted(folder.glob("ZH2ENSUM_*.txt")), [part], ParseReport(), unmatched))
    assert len(samples) == 3
    assert unmatched == {"LCSTS summary differs from NCLS <ZH-REF>": 1}


def test_zh2en_without_lcsts_is_one_clear_error(tmp_path, gen):
    folder, _ = gen.write_zh2en(tmp_path / "z", counts=(1, 1, 1))
    with pytest.raises(ClsDataError, match="--lcsts"):
        list(read_zh2en(sorted(folder.glob("ZH2ENSUM_*.txt")), [], ParseReport(), {}))


def test_lcsts_ids_missing_are_counted(tmp_path, gen):
    folder, part = gen.write_zh2en(tmp_path / "z", counts=(2, 1, 1))
    text = part.read_text(encoding="utf-8")
    part.write_text(text.split("<doc id=1>")[0], encoding="utf-8")  # keep only id 0
    unmatched: dict = {}
    samples = list(read_zh2en(sorted(folder.glob("ZH2ENSUM_*.txt")), [part], ParseReport(), unmatched))
    assert [s.id for s in samples] == ["zh2ensum-train-0"]
    assert unmatched == {"no LCSTS article with this id": 3}


def test_zh2en_matches_a_word_segmented_ncls_summary_and_keeps_the_lcsts_wording(tmp_path):
    (tmp_path / "ZH2ENSUM_test.txt").write_text(
        "<doc id=5>\n<ZH-REF-1>\n北京 今天 下雨\n<EN-REF-1>\nrain in beijing today\n</doc>\n", encoding="utf-8")
    part = tmp_path / "PART_I.txt"
    part.write_text("<doc id=5>\n  <summary>\n    北京今天下雨\n  </summary>\n  <short_text>\n    原文内容。\n  </short_text>\n</doc>\n", encoding="utf-8")
    [sample] = read_zh2en([tmp_path / "ZH2ENSUM_test.txt"], [part], ParseReport(), {})
    assert (sample.summary, sample.text, sample.cls_summary) == ("北京今天下雨", "原文内容。", "rain in beijing today")


def test_closing_tags_and_unknown_tags_do_not_leak_into_references(tmp_path):
    # The release closes every section and carries extra per-reference tags; only known ones are read.
    path = tmp_path / "EN2ZHSUM_train.txt"
    path.write_text(
        "<doc id=3>\n<Article>\nthe article .\n</Article>\n"
        "<EN-REF-1>\nfirst sentence .\n</EN-REF-1>\n<ZH-REF-1>\n第一句。\n</ZH-REF-1>\n<BACK-TRANSLATION-1>\nfirst phrase .\n</BACK-TRANSLATION-1>\n"
        "<EN-REF-2>\nsecond sentence .\n</EN-REF-2>\n<ZH-REF-2>\n第二句。\n<SCORE-2>\n0.7\n</doc>\n",
        encoding="utf-8",
    )
    [sample] = read_en2zh(path, ParseReport())
    assert (sample.text, sample.summary, sample.cls_summary) == ("the article .", "first sentence . second sentence .", "第一句。第二句。")
