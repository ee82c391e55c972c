import unicodedata

import pytest
from rouge_score.tokenizers import DefaultTokenizer

from cls_data.text import (
    count_chars,
    count_words,
    normalize,
    normalize_paragraphs,
    tokenize_en,
    tokenize_vi,
    tokenize_zh,
    tokenize_zh_words,
    tokenizer_for_language,
)


def test_rouge_score_default_tokenizer_destroys_vietnamese_and_drops_chinese():
    # Why cls_data.text exists: never score vi/zh with rouge-score's default tokenizer.
    default = DefaultTokenizer(use_stemmer=False)
    assert default.tokenize("Hiệp hội") == ["hi", "p", "h", "i"]
    assert default.tokenize("越南新闻") == []


def test_vietnamese_tokens_are_lowercased_syllables_without_punctuation():
    assert tokenize_vi("Hiệp hội Doanh_nghiệp, năm 2024!") == ["hiệp", "hội", "doanh", "nghiệp", "năm", "2024"]


def test_vietnamese_tokens_are_the_same_for_nfd_and_nfc_input():
    text = "Thủ tướng yêu cầu đẩy nhanh giải ngân"
    assert tokenize_vi(unicodedata.normalize("NFD", text)) == tokenize_vi(text)


def test_chinese_characters_are_tokens_and_latin_runs_stay_whole():
    assert tokenize_zh("越南RON95汽油，降至22,830越南盾。") == [
        "越",
        "南",
        "ron95",
        "汽",
        "油",
        "降",
        "至",
        "22",
        "830",
        "越",
        "南",
        "盾",
    ]


def test_chinese_extension_a_and_compatibility_ideographs_are_tokens():
    assert tokenize_zh("㐀豈") == ["㐀", "豈"]


def test_chinese_words_come_from_jieba_without_punctuation():
    tokens = tokenize_zh_words("越南队战胜印度尼西亚队，保持小组第一。")
    assert "越南" in tokens and "，" not in tokens and "。" not in tokens
    assert "".join(tokens) == "越南队战胜印度尼西亚队保持小组第一"


def test_english_uses_rouge_score_tokenization():
    assert tokenize_en("The U.S. economy grew 3%!") == ["the", "u", "s", "economy", "grew", "3"]


def test_normalize_makes_nfc_and_collapses_whitespace_and_invisible_characters():
    assert normalize(unicodedata.normalize("NFD", "  Hà\u200b Nội\u00a0\n mưa  ")) == "Hà Nội mưa"


def test_normalize_paragraphs_keeps_one_paragraph_per_line():
    assert normalize_paragraphs("  Một  hai \n\n\n ba\tbốn \n") == "Một hai\nba bốn"


def test_table1_lengths_count_words_for_vi_and_nfc_characters_for_zh():
    assert count_words("Hà Nội  mưa to\n") == 4
    assert count_chars(unicodedata.normalize("NFD", "Hà")) == 2
    assert count_chars("越南，2024") == 7


def test_language_codes_map_to_tokenizers():
    assert [tokenizer_for_language(c) for c in ("vi", "zh-CN", "zh_Hans", "en")] == ["vi", "zh", "zh", "en"]


@pytest.mark.parametrize(
    ("text", "lang", "problem"),
    [
        ("苹果在库比蒂诺发布iPhone 15 Pro Max", "zh", None),  # Latin names inside Chinese are fine
        ("Hà Nội mưa to, đường ngập.", "zh", "not Chinese"),  # an echo of the Vietnamese source
        ("Hà Nội mưa to, đường ngập.", "zho_Hans", "not Chinese"),  # NLLB's code for Chinese
        ("Hà Nội mưa to, đường ngập.", "vi", None),
        ("河内下大雨，道路被淹。", "vi", "not Vietnamese"),
        ("The price of petrol rose for the third time", "vi", "not Vietnamese"),
        ("The price of petrol rose for the third time", "en", None),
        ("Prime Minister Nguyễn Xuân Phúc met leaders of Hà Nội on Monday", "en", None),
        ("Thủ tướng Nguyễn Xuân Phúc gặp lãnh đạo Hà Nội hôm thứ Hai", "en", "not English"),
        ("2024", "zh", None),  # nothing to judge
        ("สวัสดีครับ", "th", None),
        ("hello there", "th", "not Thai"),
        ("anything at all", "sw", None),  # no rule for this language
    ],
)
def test_language_problem_catches_the_wrong_script_and_echoes(text, lang, problem):
    from cls_data.text import language_problem

    assert language_problem(text, lang) == problem


def test_language_facts_read_any_code_form():
    from cls_data.text import base_language, east_asian_count, han_count, is_chinese, language_name

    assert [base_language(c) for c in ("zh-CN", "zh_CN", "ZH-Hans", "vie_Latn", "zho_Hans", "en")] == [
        "zh",
        "zh",
        "zh",
        "vi",
        "zh",
        "en",
    ]
    assert is_chinese("zh_Hant") and not is_chinese("vi")
    assert language_name("zh-CN") == "Chinese" and language_name("xx") == "xx"
    assert han_count("中文abc") == 2 and east_asian_count("中かな한글 việt") == 5


def test_wrapped_chinese_lines_join_without_a_space_and_other_lines_with_one():
    from cls_data.text import join_wrapped

    assert join_wrapped(["北京今天", "下雨了。", "  "]) == "北京今天下雨了。"
    assert join_wrapped(["first line", "second line"]) == "first line second line"
    assert join_wrapped(["价格 100", "元", "up", "上涨"]) == "价格 100 元 up 上涨"
    assert join_wrapped([]) == ""
