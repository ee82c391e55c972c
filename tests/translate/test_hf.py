"""The local-model backend with a tiny random NLLB-style model (tests.support.filter_models, no download)."""

from __future__ import annotations

import pytest

from cls_data.errors import ClsDataError
from cls_data.filter.run import FilterConfig, run_filter
from cls_data.translate import EngineConfig, TranslationCache, translate_texts
from cls_data.translate.hf import HFTranslator
from tests.support.filter_models import SYLLABLES, build_tiny_nllb


@pytest.fixture(scope="module")
def tiny_nllb(tmp_path_factory):
    return build_tiny_nllb(tmp_path_factory.mktemp("tiny-nllb"))


def test_language_codes_follow_the_model_family(tiny_nllb):
    translator = HFTranslator(str(tiny_nllb), batch_size=4, max_new_tokens=6, num_beams=1)
    assert translator.family == "nllb"
    assert translator.codes("vi", "zh") == ("vie_Latn", "zho_Hans")
    assert translator.codes("vie_Latn", "zh-CN") == ("vie_Latn", "zho_Hans")
    with pytest.raises(ClsDataError, match="not supported by the hf"):
        translator.codes("vi", "xx")


def test_a_language_beyond_the_fixed_ten_maps_to_its_nllb_code_from_languages_tsv(tiny_nllb):
    translator = HFTranslator(str(tiny_nllb), batch_size=4, max_new_tokens=6, num_beams=1)
    with pytest.raises(ClsDataError, match="has no language token 'pes_Arab'"):  # Persian, by the table's nllb column
        translator.codes("fa", "en")


def test_batches_of_texts_are_translated_and_cached(tiny_nllb, tmp_path):
    translator = HFTranslator(str(tiny_nllb), batch_size=4, max_new_tokens=6, num_beams=1)
    texts = [f"{a} {b} {c}" for a, b, c in zip(SYLLABLES, SYLLABLES[3:], SYLLABLES[5:], strict=False)]
    cache = TranslationCache(tmp_path / "c.sqlite")
    # A random model writes no Chinese: the script check is off, echoes and empty answers still count.
    engine = EngineConfig(concurrency=1, check_language=False)
    done, stats = translate_texts(texts, translator, "vie_Latn", "zho_Hans", cache, engine)
    assert stats.failed == 0 and len(done) == len(texts) and all(done.values())
    assert stats.requests == -(-len(texts) // 4)  # one generate() call per batch of 4
    # the forced target token is what makes the model translate into Chinese: a different one
    # gives a different (random) output, so the mapping really reaches generate()
    other = translator.translate(texts[:4], "vie_Latn", "eng_Latn")
    assert other != [done[t] for t in texts[:4]]


def test_filter_runs_end_to_end_with_the_local_model(tiny_nllb, tmp_path, articles_file):
    result = run_filter(
        FilterConfig(
            input=articles_file,
            out=tmp_path / "out",
            keep=5,
            translator="hf",
            model=str(tiny_nllb),
            batch_size=8,
            cache=tmp_path / "c.sqlite",
            check_language=False,
        )
    )
    counts = result.report.counts
    assert counts.scored > 0 and counts.scored + counts.failed == 40
    assert (result.report.src, result.report.tgt) == ("vie_Latn", "zho_Hans")
    assert result.report.translation["forward"].requests == 5


def test_cli_filter_with_the_hf_backend_and_a_rerun_from_the_cache(tiny_nllb, tmp_path, articles_file):
    from tests.support.cli import run_cli

    args = [
        "filter",
        str(articles_file),
        "--keep",
        "11000",
        "--out",
        str(tmp_path / "out"),
        "--translator",
        "hf",
        "--model",
        str(tiny_nllb),
        "--batch-size",
        "16",
        "--cache",
        str(tmp_path / "c.sqlite"),
        "--quiet",
        "--no-language-check",
    ]
    first = run_cli(*args, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "warning: --keep 11000 but only" in " ".join(first.stderr.split())
    again = run_cli(*args, timeout=300)
    assert "requests sent 0 (0 retries)" in again.stdout
