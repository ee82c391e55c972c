"""The local-model backend with a tiny random NLLB-style model built here (no download)."""

from __future__ import annotations

import pytest

from cls_data.errors import ClsDataError
from cls_data.roundtrip import FilterConfig, run_filter
from cls_data.translate import EngineConfig, TranslationCache, translate_texts
from cls_data.translate.hf import HFTranslator

SYLLABLES = "xin chào thế giới hôm nay trời đẹp tin tức việt nam hà nội mưa".split()


@pytest.fixture(scope="module")
def tiny_nllb(tmp_path_factory):
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in SYLLABLES + list("abcdefghijklmnopqrstuvwxyz"):
        vocab.setdefault("▁" + piece, len(vocab))
        vocab.setdefault(piece, len(vocab))
    tokenizer = NllbTokenizer(vocab=vocab, extra_special_tokens=["vie_Latn", "zho_Hans", "eng_Latn"])
    torch.manual_seed(0)
    config = M2M100Config(vocab_size=len(tokenizer), d_model=16, encoder_layers=1, decoder_layers=1,
                          encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
                          decoder_ffn_dim=32, max_position_embeddings=128, pad_token_id=1, bos_token_id=0,
                          eos_token_id=2, decoder_start_token_id=2)
    model = M2M100ForConditionalGeneration(config)
    # A random model may say nothing; keep it to ordinary pieces so every answer is a text.
    model.generation_config.suppress_tokens = [0, 1, 3]
    model.generation_config.min_new_tokens = 3
    path = tmp_path_factory.mktemp("tiny-nllb")
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_language_codes_follow_the_model_family(tiny_nllb):
    translator = HFTranslator(str(tiny_nllb), batch_size=4, max_new_tokens=6, num_beams=1)
    assert translator.family == "nllb"
    assert translator.codes("vi", "zh") == ("vie_Latn", "zho_Hans")
    assert translator.codes("vie_Latn", "zh-CN") == ("vie_Latn", "zho_Hans")
    with pytest.raises(ClsDataError, match="not supported by the hf"):
        translator.codes("vi", "xx")


def test_batches_of_texts_are_translated_and_cached(tiny_nllb, tmp_path):
    translator = HFTranslator(str(tiny_nllb), batch_size=4, max_new_tokens=6, num_beams=1)
    texts = [f"{a} {b} {c}" for a, b, c in zip(SYLLABLES, SYLLABLES[3:], SYLLABLES[5:])]
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
    result = run_filter(FilterConfig(input=articles_file, out=tmp_path / "out", keep=5, translator="hf",
                                     model=str(tiny_nllb), batch_size=8, cache=tmp_path / "c.sqlite",
                                     progress=False, check_language=False))
    counts = result.report["counts"]
    assert counts["scored"] > 0 and counts["scored"] + counts["failed"] == 40
    assert result.report["languages"] == {"src": "vie_Latn", "tgt": "zho_Hans"}
    assert result.report["translation"]["forward"]["requests"] == 5


def test_cli_filter_with_the_hf_backend_and_a_rerun_from_the_cache(tiny_nllb, tmp_path, articles_file):
    import subprocess
    import sys
    from pathlib import Path

    cli = str(Path(sys.executable).with_name("cls-data"))
    args = [cli, "filter", str(articles_file), "--keep", "11000", "--out", str(tmp_path / "out"), "--translator", "hf",
            "--model", str(tiny_nllb), "--batch-size", "16", "--cache", str(tmp_path / "c.sqlite"), "--quiet",
            "--no-language-check"]
    first = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "warning: --keep 11000 but only" in " ".join(first.stderr.split())
    again = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert "requests sent 0 (0 retries)" in again.stdout
