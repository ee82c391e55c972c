"""NCLS: the dataset-trained joint vocabulary and the from-scratch Transformer (label smoothing, `</s>` start)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from cls_data.benchmark.config import DecodeConfig  # noqa: E402
from cls_data.benchmark.families.ncls import ncls_vocab_size  # noqa: E402
from cls_data.benchmark.models.ncls import LABEL_SMOOTHING, NCLS_SIZES, ncls_config  # noqa: E402
from tests.support.family_models import PAIRS, batch_for, build_stage, ncls_tokenizer, overfit  # noqa: E402


def test_every_chinese_character_is_its_own_unit_and_text_round_trips():
    tok = ncls_tokenizer()
    pieces = tok.convert_ids_to_tokens(tok("今天河内下大雨，许多街道被淹。")["input_ids"])
    assert pieces[-1] == "</s>"
    assert all(len(p.lstrip("▁")) <= 1 for p in pieces[:-1])  # no multi-character Chinese pieces
    for text in (
        "Hà Nội hôm nay trời mưa to, nhiều tuyến phố bị ngập sâu.",
        "越南足球队在友谊赛中以2比0获胜。",
        "Giá vàng 金价上涨 tăng.",
    ):
        assert tok.decode(tok(text)["input_ids"], skip_special_tokens=True) == text


def test_vietnamese_words_are_whole_units_when_frequent():
    tok = ncls_tokenizer()
    assert tok.convert_ids_to_tokens(tok("Hà Nội")["input_ids"]) == ["▁Hà", "▁Nội", "</s>"]


def test_the_vocabulary_saves_and_loads_as_a_fast_tokenizer(tmp_path):
    from transformers import AutoTokenizer

    tok = ncls_tokenizer()
    tok.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    text = "Hà Nội 今天河内"
    assert loaded(text)["input_ids"] == tok(text)["input_ids"]
    assert (loaded.pad_token_id, loaded.eos_token_id) == (tok.pad_token_id, tok.eos_token_id)


def test_vocabulary_sizes_per_language_pair():
    assert ncls_vocab_size("vi", "zh-CN") == 12000 and ncls_vocab_size("zh", "en") == 10000


def test_paper_size_is_the_ncls_release_transformer():
    config = ncls_config(ncls_tokenizer(), NCLS_SIZES["paper"])
    assert (
        config.d_model,
        config.encoder_layers,
        config.decoder_layers,
        config.encoder_attention_heads,
        config.encoder_ffn_dim,
        config.dropout,
        config.activation_function,
    ) == (512, 6, 6, 8, 2048, 0.1, "relu")


def test_loss_is_label_smoothed_cross_entropy_with_decoder_input_starting_at_eos():
    tok = ncls_tokenizer()
    model = build_stage("ncls", "cls").eval()
    batch = batch_for(tok)
    loss = model(batch)["cls"]
    labels = batch["labels"]
    eos = tok.eos_token_id
    dec = torch.stack(
        [torch.cat([torch.tensor([eos]), row.masked_fill(row == -100, tok.pad_token_id)[:-1]]) for row in labels]
    )
    logits = model.model(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], decoder_input_ids=dec
    ).logits
    expected = torch.nn.functional.cross_entropy(
        logits.flatten(0, 1), labels.flatten(), ignore_index=-100, label_smoothing=LABEL_SMOOTHING
    )
    assert LABEL_SMOOTHING == 0.1 and torch.allclose(loss, expected, atol=1e-5)


def test_tiny_ncls_overfits_a_handful_of_pairs():
    tok = ncls_tokenizer()
    model = build_stage("ncls", "cls", seed=0)
    model.label_smoothing = 0.0  # memorising exact strings: no mass kept for other tokens
    batch = batch_for(tok)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, betas=(0.9, 0.998), eps=1e-9)
    loss = overfit(model, batch, optimizer, steps=120)
    assert loss.item() < 0.05
    # Greedy: with early_stopping=True (the shared beam search), finished junk beams can end the search before
    # the memorised one finishes on a model this peaked; beam 4 is exercised through the engine loop in test_baselines.
    out = model.generate(batch["input_ids"], batch["attention_mask"], DecodeConfig(num_beams=1, max_new_tokens=16))
    assert out[:, 0].tolist() == [tok.eos_token_id] * len(PAIRS)
    assert tok.batch_decode(out, skip_special_tokens=True) == [p[2] for p in PAIRS]
