"""NCLS En2ZhSum / Zh2EnSum and LCSTS readers: tags, not line offsets; bad blocks counted, not fatal."""

import pytest

from cls_data.dataset.ncls import ParseReport, parse_tags
from cls_data.dataset.ncls import read_en2zh as read_en2zh_pools
from cls_data.dataset.ncls import read_zh2en as read_zh2en_pools
from cls_data.errors import ClsDataError


def read_en2zh(path, report, tags=None):
    """The samples of one En2ZhSum file (the reader yields (NCLS split, sample))."""
    for _, sample in read_en2zh_pools([path], [], report, tags):
        yield sample


def read_zh2en(paths, lcsts, report, tags=None):
    return [sample for _, sample in read_zh2en_pools(paths, lcsts, report, tags)]


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
    samples = list(read_zh2en(files, [part], ParseReport()))
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
    report = ParseReport()
    samples = list(read_zh2en(sorted(folder.glob("ZH2ENSUM_*.txt")), [part], report))
    assert len(samples) == 3
    assert report.unmatched == {"LCSTS summary differs from NCLS <ZH-REF>": 1}
    assert (report.join_checked, report.join_agreed) == (4, 3) and report.join_agreement == 0.75


def test_zh2en_without_lcsts_is_one_clear_error(tmp_path, gen):
    folder, _ = gen.write_zh2en(tmp_path / "z", counts=(1, 1, 1))
    with pytest.raises(ClsDataError, match="--lcsts"):
        list(read_zh2en(sorted(folder.glob("ZH2ENSUM_*.txt")), [], ParseReport()))


def test_lcsts_ids_missing_are_counted(tmp_path, gen):
    folder, part = gen.write_zh2en(tmp_path / "z", counts=(2, 1, 1))
    text = part.read_text(encoding="utf-8")
    part.write_text(text.split("<doc id=1>")[0], encoding="utf-8")  # keep only id 0
    report = ParseReport()
    samples = list(read_zh2en(sorted(folder.glob("ZH2ENSUM_*.txt")), [part], report))
    assert [s.id for s in samples] == ["zh2ensum-train-0"]
    assert report.unmatched == {"no LCSTS article with this id": 3}


def test_zh2en_matches_a_word_segmented_ncls_summary_and_keeps_the_lcsts_wording(tmp_path):
    (tmp_path / "ZH2ENSUM_test.txt").write_text(
        "<doc id=5>\n<ZH-REF-1>\n北京 今天 下雨\n<EN-REF-1>\nrain in beijing today\n</doc>\n", encoding="utf-8"
    )
    part = tmp_path / "PART_I.txt"
    part.write_text(
        "<doc id=5>\n  <summary>\n    北京今天下雨\n  </summary>\n"
        "  <short_text>\n    原文内容。\n  </short_text>\n</doc>\n",
        encoding="utf-8",
    )
    [sample] = read_zh2en([tmp_path / "ZH2ENSUM_test.txt"], [part], ParseReport())
    assert (sample.summary, sample.text, sample.cls_summary) == ("北京今天下雨", "原文内容。", "rain in beijing today")


def test_closing_tags_and_unknown_tags_do_not_leak_into_references(tmp_path):
    # The release closes every section and carries extra per-reference tags; only known ones are read.
    path = tmp_path / "EN2ZHSUM_train.txt"
    path.write_text(
        "<doc id=3>\n<Article>\nthe article .\n</Article>\n"
        "<EN-REF-1>\nfirst sentence .\n</EN-REF-1>\n<ZH-REF-1>\n第一句。\n</ZH-REF-1>\n<BACK-TRANSLATION-1>\nfirst "
        "phrase .\n</BACK-TRANSLATION-1>\n"
        "<EN-REF-2>\nsecond sentence .\n</EN-REF-2>\n<ZH-REF-2>\n第二句。\n<SCORE-2>\n0.7\n</doc>\n",
        encoding="utf-8",
    )
    [sample] = read_en2zh(path, ParseReport())
    assert (sample.text, sample.summary, sample.cls_summary) == (
        "the article .",
        "first sentence . second sentence .",
        "第一句。第二句。",
    )


# ---- tag variants of the real release (known only from third-party scripts) -----------------

LCSTS_5 = (
    "<doc id=5>\n  <summary>\n    北京今天\n    下雨\n  </summary>\n"
    "  <short_text>\n    原文第一行，\n    原文第二行。\n  </short_text>\n</doc>\n"
)


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "en_tag, zh_tag",
    [
        ("EN-REF-1", "ZH-REF-1"),
        ("en-ref-1", "zh-ref-1"),
        ("EN-SUMMARY", "ZH-SUMMARY"),
        ("en-summary", "zh-summary"),
        ("En-Summary", "Zh-Ref"),
    ],
)
def test_en2zh_reads_every_summary_tag_variant_in_any_case(tmp_path, en_tag, zh_tag):
    path = _write(
        tmp_path / "EN2ZHSUM_train.txt",
        f"<doc id=1>\n<article>\nthe article .\n</article>\n<{en_tag}>\nthe summary .\n</{en_tag}>\n"
        f"<{zh_tag}>\n摘要。\n</{zh_tag}>\n</doc>\n",
    )
    [sample] = read_en2zh(path, ParseReport())
    assert (sample.text, sample.summary, sample.cls_summary) == ("the article .", "the summary .", "摘要。")


@pytest.mark.parametrize("suffix", ["-human-corrected", "-HUMAN-CORRECTED", "-Human-Corrected"])
def test_human_corrected_references_win_in_any_case(tmp_path, suffix):
    path = _write(
        tmp_path / "EN2ZHSUM_test.txt",
        "<doc id=1>\n<Article>\nthe article .\n<EN-REF-1>\nmachine .\n"
        f"<EN-REF-1{suffix}>\nhuman .\n<zh-ref-1>\n机器。\n<zh-ref-1{suffix}>\n人工。\n</doc>\n",
    )
    [sample] = read_en2zh(path, ParseReport())
    assert (sample.summary, sample.cls_summary) == ("human .", "人工。")


def test_back_translated_sections_are_never_a_reference(tmp_path):
    path = _write(
        tmp_path / "EN2ZHSUM_train.txt",
        "<doc id=1>\n<Article>\nthe article .\n<BACK-TRANSLATED-EN-SUMMARY>\nround trip .\n"
        "<en-summary>\nthe summary .\n<back-translated-zh-summary>\n回译。\n<zh-summary>\n摘要。\n</doc>\n",
    )
    [sample] = read_en2zh(path, ParseReport())
    assert (sample.summary, sample.cls_summary) == ("the summary .", "摘要。")


def test_zh2en_never_checks_the_join_against_a_back_translated_chinese_summary(tmp_path):
    # 8-line train blocks: <doc>, then the English summary and a back-translation that differs from LCSTS.
    ncls = _write(
        tmp_path / "ZH2ENSUM_train.txt",
        "<doc id=5>\n<en-summary>\nrain in beijing today\n</en-summary>\n"
        "<back-translated-zh-summary>\n今天北京有雨\n</back-translated-zh-summary>\n</doc>\n",
    )
    report = ParseReport()
    [sample] = read_zh2en([ncls], [_write(tmp_path / "PART_I.txt", LCSTS_5)], report)
    assert (sample.summary, sample.cls_summary) == ("北京今天下雨", "rain in beijing today")
    assert report.join_checked == 0 and report.join_agreement is None and not report.unmatched


def test_zh2en_reads_eleven_line_test_blocks_and_reports_the_join_agreement(tmp_path):
    ncls = _write(
        tmp_path / "ZH2ENSUM_test.txt",
        "<doc id=5>\n<human_label>\n5\n</human_label>\n<ZH-SUMMARY>\n北京 今天 下雨\n</ZH-SUMMARY>\n"
        "<EN-SUMMARY-human-corrected>\nrain in beijing today\n</EN-SUMMARY-human-corrected>\n</doc>\n",
    )
    report = ParseReport()
    [sample] = read_zh2en([ncls], [_write(tmp_path / "PART_I.txt", LCSTS_5)], report)
    assert (sample.summary, sample.text, sample.cls_summary) == (
        "北京今天下雨",
        "原文第一行，原文第二行。",
        "rain in beijing today",
    )
    assert (report.join_checked, report.join_agreed, report.join_agreement) == (1, 1, 1.0)


def test_wrapped_chinese_lines_join_without_a_space(tmp_path):
    path = _write(
        tmp_path / "EN2ZHSUM_train.txt",
        "<doc id=1>\n<Article>\nfirst line\nsecond line\n<EN-REF-1>\nsum .\n<ZH-REF-1>\n第一部分\n第二部分。\n</doc>\n",
    )
    [sample] = read_en2zh(path, ParseReport())
    assert (sample.text, sample.cls_summary) == ("first line second line", "第一部分第二部分。")


def test_a_file_with_no_sample_lists_the_tags_it_saw_and_how_to_map_them(tmp_path):
    path = _write(
        tmp_path / "EN2ZHSUM_train.txt",
        "<doc id=1>\n<Article>\nthe article .\n<english>\nthe summary .\n<chinese>\n摘要。\n</doc>\n",
    )
    with pytest.raises(ClsDataError) as caught:
        list(read_en2zh(path, ParseReport()))
    message = str(caught.value)
    assert str(path) in message and "<english> (1)" in message and "<chinese> (1)" in message
    assert "--tags en=NAME,zh=NAME" in message and "\n" not in message
    [sample] = read_en2zh(path, ParseReport(), tags=parse_tags("en=english,zh=<chinese>"))
    assert (sample.summary, sample.cls_summary) == ("the summary .", "摘要。")


def test_zh2en_file_with_no_english_summary_is_one_error_naming_its_tags(tmp_path):
    ncls = _write(tmp_path / "ZH2ENSUM_valid.txt", "<doc id=5>\n<eng>\nrain\n</eng>\n</doc>\n")
    with pytest.raises(ClsDataError, match=r"<eng> \(1\).*--tags en=NAME"):
        read_zh2en([ncls], [_write(tmp_path / "PART_I.txt", LCSTS_5)], ParseReport())


@pytest.mark.parametrize("bad", ["fr=x", "en", "en=", "zh=a,de=b"])
def test_bad_tags_option_is_one_error(bad):
    with pytest.raises(ClsDataError, match="--tags takes en=NAME,zh=NAME"):
        parse_tags(bad)
