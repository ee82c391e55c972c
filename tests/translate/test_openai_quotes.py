"""The chat translator removes the quotes a model wraps its answer in, never the translation's own quotation marks."""

from __future__ import annotations

import re

import pytest

from cls_data.translate import EngineConfig, TranslationCache, make_translator, translate_texts
from tests.support.fake_openai import MODEL, FakeChat

QUOTED = "“Chúng tôi sẽ thắng trận chung kết”"  # a summary that is a quotation, as headlines often are
PLAIN = "Hà Nội mưa to suốt đêm qua"
# What a translator gives for each source: a quoted source keeps its quotes in the translation (“ ” or 「 」).
TRANSLATIONS = {
    QUOTED: "“我们将赢得决赛”",
    PLAIN: "河内昨晚下了一整夜大雨",
    "「Chúng tôi sẽ thắng trận chung kết」": "「我们将赢得决赛」",
}
_NUMBERED = re.compile(r"^(\d+)\. (.*)$")


def wrapping_model(wrap):
    """A chat model that translates every line and wraps each translation with `wrap` (ASCII quotes, say)."""

    def answer(messages):
        lines = messages[-1]["content"].split("\n")
        numbered = [_NUMBERED.match(line) for line in lines]
        if all(numbered) and len(lines) > 1:
            return "\n".join(f"{m.group(1)}. {wrap(TRANSLATIONS[m.group(2)])}" for m in numbered)
        return wrap(TRANSLATIONS[lines[0]])

    return answer


def translate(server, tmp_path, texts, batch_size):
    translator = make_translator("openai", url=server.url, model=MODEL, batch_size=batch_size)
    src, tgt = translator.codes("vi", "zh")
    store = TranslationCache(tmp_path / f"cache-{batch_size}.sqlite")
    try:
        done, stats = translate_texts(texts, translator, src, tgt, store, EngineConfig(backoff_base=0.01))
    finally:
        store.close()
        translator.close()
    assert stats.failed == 0 and stats.rejects == {}
    return done


@pytest.mark.parametrize("batch_size", [1, 8], ids=["single", "packed"])
@pytest.mark.parametrize(
    "wrap",
    [lambda t: t, lambda t: f'"{t}"', lambda t: f"“{t}”"],
    ids=["as-is", "ascii-quotes-around", "curly-quotes-around"],
)
def test_the_translations_own_quotes_survive_and_only_the_models_wrapping_goes(tmp_path, wrap, batch_size):
    texts = list(TRANSLATIONS)
    with FakeChat(answer=wrapping_model(wrap)) as server:
        done = translate(server, tmp_path, texts, batch_size)
    assert done[QUOTED] == "“我们将赢得决赛”"  # "“我们将赢得决赛”" from the model: its ASCII pair goes, “ ” stays
    assert done["「Chúng tôi sẽ thắng trận chung kết」"] == "「我们将赢得决赛」"
    assert done[PLAIN] == "河内昨晚下了一整夜大雨"  # an unquoted source: every quote pair is the model's


def test_an_answer_quoted_in_another_style_than_its_quoted_source_keeps_its_quotes(tmp_path):
    with FakeChat(answer=lambda messages: "「我们将赢得决赛」") as server:
        done = translate(server, tmp_path, [QUOTED], 1)
    assert done == {QUOTED: "「我们将赢得决赛」"}
