"""languages.tsv: ROUGE schemes, language checks and model codes for languages beyond vi/zh/en."""

import pytest

from cls_data.errors import ClsDataError
from cls_data.languages import family_codes, get_language, languages, mbart50_code, parse_table
from cls_data.rouge import score_texts
from cls_data.text import get_tokenizer, language_name, language_problem, tokenizer_for_language


def test_every_mbart50_language_has_its_code_in_the_table():
    from transformers.models.mbart50.tokenization_mbart50 import FAIRSEQ_LANGUAGE_CODES

    tabled = {lang.mbart50 for lang in languages().values()}
    assert set(FAIRSEQ_LANGUAGE_CODES) <= tabled
    assert [mbart50_code(c) for c in ("de", "id_ID", "deu_Latn", "zh-CN")] == ["de_DE", "id_ID", "de_DE", "zh_CN"]


def test_a_language_mbart50_lacks_is_one_clear_error():
    with pytest.raises(ClsDataError, match="mBART-50 has no language code for Malay"):
        mbart50_code("ms")


def test_the_paper_languages_keep_their_pinned_tokenizers_and_others_get_the_tables_scheme():
    assert [tokenizer_for_language(c) for c in ("vi", "zh-CN", "en")] == ["vi", "zh", "en"]
    assert [tokenizer_for_language(c) for c in ("de", "ja", "th", "my", "ru", "hin_Deva")] == [
        "words",
        "chars",
        "clusters",
        "clusters",
        "words",
        "words",
    ]
    with pytest.raises(ClsDataError, match="languages.tsv"):
        tokenizer_for_language("xx")


def test_words_keep_combining_marks_inside_a_word_and_drop_punctuation():
    tokens = get_tokenizer("words")("Die Bundesregierung (Berlin) beschloss: „Klimaschutz“ – हिन्दी भाषा, 2030!")
    assert tokens == ["die", "bundesregierung", "berlin", "beschloss", "klimaschutz", "हिन्दी", "भाषा", "2030"]


def test_japanese_scores_per_han_or_kana_character():
    tokens = get_tokenizer("chars")("東京都でコロナ感染者が100人、NHKが報じた。")
    assert tokens[:6] == ["東", "京", "都", "で", "コ", "ロ"]
    assert "100" in tokens and "nhk" in tokens and "、" not in tokens


def test_thai_falls_back_to_letters_with_their_marks():
    tokens = get_tokenizer("clusters")("นายกรัฐมนตรีแถลงข่าว COVID-19")
    assert tokens[:4] == ["น", "า", "ย", "ก"] and "ข่" in tokens and tokens[-2:] == ["covid", "19"]


def test_rouge_on_a_new_language_scores_by_its_scheme_by_name():
    (pair,) = score_texts(
        ["Die Regierung beschloss ein Gesetz."],
        ["Die Regierung hat ein neues Gesetz beschlossen."],
        tokenizer_for_language("de"),
    )
    assert pair.rouge1.fmeasure == pytest.approx(2 * (4 / 5) * (4 / 7) / (4 / 5 + 4 / 7))


@pytest.mark.parametrize(
    ("text", "lang", "problem"),
    [
        ("Правительство приняло новый закон о защите климата", "ru", None),
        ("The government adopted a new climate law today", "ru", "not Russian"),
        ("Die Bundesregierung hat am Mittwoch ein neues Klimaschutzgesetz beschlossen.", "de", None),
        ("Le gouvernement a présenté mercredi un projet de loi sur le climat.", "de", "not German"),
        ("The federal government adopted a new climate law on Wednesday.", "de", "not German"),
        ("Apple stellt iPhone vor", "fr", None),  # four words: too short to identify, so it passes
        ("Pemerintah Indonesia akan membangun ibu kota baru di Kalimantan Timur.", "id", None),
        ("Pemerintah Indonesia akan membangun ibu kota baru di Kalimantan Timur.", "pt", "not Portuguese"),
        ("นายกรัฐมนตรีแถลงข่าวที่ทำเนียบรัฐบาล", "lo", "not Lao"),
        ("東京都でコロナ感染者が100人", "ja", None),
    ],
)
def test_language_check_uses_the_script_and_an_identifier_for_latin_languages(text, lang, problem):
    assert language_problem(text, lang) == problem


def test_names_and_translation_codes_come_from_the_table():
    names = [language_name(c) for c in ("de", "deu_Latn", "id-ID", "my")]
    assert names == ["German", "German", "Indonesian", "Burmese"]
    assert family_codes("nllb")["fa"] == "pes_Arab" and family_codes("m2m100")["de"] == "de"
    assert get_language("nor_Latn").code == "nb"


def test_a_malformed_table_line_names_its_line():
    header = "code\tname\tscript\trouge\tmbart50\tnllb\taliases\n"
    with pytest.raises(ClsDataError, match=r"t.tsv:3: unknown ROUGE scheme 'sentencepiece'"):
        parse_table(
            header + "de\tGerman\tLatn\twords\tde_DE\tdeu_Latn\tdeu\nxx\tX\tLatn\tsentencepiece\t-\txxx_Latn\t\n",
            "t.tsv",
        )
    with pytest.raises(ClsDataError, match=r"t.tsv:2: expected 7 tab-separated columns"):
        parse_table(header + "de German Latn words\n", "t.tsv")


def test_thai_words_come_from_pythainlp_when_asked_for():
    pytest.importorskip("pythainlp")
    tokens = get_tokenizer("th-words")("นายกรัฐมนตรีแถลงข่าวที่ทำเนียบรัฐบาล, เมื่อวันจันทร์ COVID-19!")
    assert tokens[:4] == ["นายกรัฐมนตรี", "แถลงข่าว", "ที่", "ทำเนียบรัฐบาล"] and tokens[-2:] == ["covid", "19"]
    assert tokenizer_for_language("th") == "clusters"  # the default needs no dictionary: th-words is opt-in


def test_statistics_count_characters_for_languages_written_without_spaces():
    from cls_data.dataset.card import length_units
    from cls_data.dataset.stats import unit_for_language

    assert [unit_for_language(c) for c in ("zh", "ja", "th", "de", "vi")] == [
        "avg_chars",
        "avg_chars",
        "avg_chars",
        "avg_words",
        "avg_words",
    ]
    assert length_units("ja", "en") == "characters for Japanese, whitespace words for English"
    assert length_units("vi", "zh") == "whitespace words for Vietnamese and English, characters for Chinese"


def test_the_scheme_names_the_cli_offers_are_the_tokenizers_that_exist():
    from cls_data.cli.options import Lang
    from cls_data.rouge_schemes import SCHEME_TOKENIZERS
    from cls_data.text import TOKENIZERS

    assert {lang.value for lang in Lang} == {*TOKENIZERS, *SCHEME_TOKENIZERS}
