"""MCLAS: the sequential target `BOS mono LSEP cross EOS`, splitting generations at the separator."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from cls_data.benchmark.config import DecodeConfig  # noqa: E402
from cls_data.benchmark.families.mbert import split_at_separator  # noqa: E402
from cls_data.benchmark.models.bert_seq2seq import Markers, frame, join_sequential  # noqa: E402
from tests.support.family_models import PAIRS, batch_for, bert_tokenizer, build_stage, overfit, save_stage  # noqa: E402


def test_markers_are_berts_unused_tokens():
    assert Markers.of(bert_tokenizer()) == Markers(pad=0, bos=1, eos=2, lsep=5)


def test_sequential_target_is_mono_separator_cross_per_row():
    mono = torch.tensor([[10, 11, 12], [20, -100, -100]])
    cross = torch.tensor([[30, -100], [40, 41]])
    assert join_sequential(mono, cross, lsep=5).tolist() == [[10, 11, 12, 5, 30], [20, 5, 40, 41, -100]]


def test_frame_starts_decoder_input_with_bos_and_ends_labels_with_eos():
    markers = Markers(pad=0, bos=1, eos=2, lsep=5)
    inputs, labels = frame(torch.tensor([[10, 11], [20, -100]]), markers)
    assert inputs.tolist() == [[1, 10, 11], [1, 20, 0]]
    assert labels.tolist() == [[10, 11, 2], [20, 2, -100]]


def test_prediction_is_the_text_after_the_separator():
    out = split_at_separator("[unused1] Hà Nội mưa to [unused5] 河 内 下 大 雨 [unused2]")
    assert out == {
        "prediction": "河内下大雨",
        "raw_prediction": "Hà Nội mưa to [unused5] 河内下大雨",
        "separator_found": True,
    }
    assert split_at_separator("Giá vàng [unused5] gold [unused5] up")["prediction"] == "gold [unused5] up"


def test_a_missing_separator_is_an_empty_prediction():
    out = split_at_separator("[unused1] Hà Nội mưa to 河 内 [unused2]")
    assert out == {"prediction": "", "raw_prediction": "Hà Nội mưa to 河内", "separator_found": False}


def test_both_stages_train_and_the_sequential_model_learns_to_emit_mono_separator_cross(tmp_path):
    tok = bert_tokenizer()
    batch = batch_for(tok, special_targets=False)
    mono = build_stage("mclas", "mono")
    assert mono.task_names == ("mls",)
    first = mono({**batch, "labels": batch["mono_labels"]})["mls"]
    assert torch.isfinite(first)

    model = build_stage("mclas", "sequential", init=save_stage(mono, "mclas", tmp_path / "mono"))
    model.label_smoothing = 0.0
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    overfit(model, batch, optimizer, steps=100)
    out = model.generate(batch["input_ids"], batch["attention_mask"], DecodeConfig(num_beams=4, max_new_tokens=12))
    assert out[:, 0].tolist() == [1] * len(PAIRS)
    decoded = [split_at_separator(text) for text in tok.batch_decode(out, skip_special_tokens=True)]
    assert [d["prediction"] for d in decoded] == [p[2] for p in PAIRS]
    assert all(d["separator_found"] for d in decoded)
    assert [d["raw_prediction"].split(" [unused5] ")[0] for d in decoded] == [p[1] for p in PAIRS]


def test_the_codec_keeps_the_separator_even_when_a_tokenizer_lists_the_markers_as_special():
    from cls_data.benchmark.families.mbert import BertCodec

    tok = bert_tokenizer()
    ids = tok(["Hà Nội mưa to"], add_special_tokens=False)["input_ids"][0]
    cross = tok(["河内下大雨"], add_special_tokens=False)["input_ids"][0]
    row = [1, *ids, 5, *cross, 2, 0, 0]
    expected = ["Hà Nội mưa to [unused5] 河内下大雨"]
    assert BertCodec(tok).decode([row]) == expected
    special = train_marker_special_tokenizer()
    assert BertCodec(special).decode([row]) == expected
    assert split_at_separator(expected[0])["prediction"] == "河内下大雨"
    assert BertCodec(tok).decode([[1, *ids, 2, 7, 7]]) == ["Hà Nội mưa to"]  # nothing after the end marker


def train_marker_special_tokenizer():
    import copy

    special = copy.deepcopy(bert_tokenizer())
    special.add_special_tokens({"additional_special_tokens": ["[unused1]", "[unused2]", "[unused5]"]})
    assert special.decode([5, 1], skip_special_tokens=True) == ""
    return special
