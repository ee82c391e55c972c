"""The mBART backbone as the benchmark loads it: padded head, language codes, token layout."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from cls_data.benchmark.models.mbart import load_mbart, mbart_lang_code  # noqa: E402
from cls_data.errors import ClsDataError  # noqa: E402
from tests.support.tiny_models import tiny_mbart  # noqa: E402


@pytest.fixture(scope="module")
def backbone(tmp_path_factory):
    return tiny_mbart(tmp_path_factory.mktemp("tiny-mbart"))


def test_lm_head_is_padded_to_a_multiple_of_64_and_padded_rows_are_never_generated(backbone):
    model, tokenizer = load_mbart(backbone)
    rows = model.get_output_embeddings().weight.shape[0]
    assert rows % 64 == 0 and rows > len(tokenizer)
    assert model.get_output_embeddings().weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()
    model.eval()
    ids = tokenizer("Hà Nội hôm nay trời mưa", return_tensors="pt")
    with torch.no_grad():
        logits = model(**ids, decoder_input_ids=torch.tensor([[2, 5]])).logits
    probs = logits.softmax(-1)
    assert torch.all(probs[..., len(tokenizer) :] == 0)
    assert torch.isfinite(logits[..., : len(tokenizer)]).all()


def test_mbart_token_layout_is_source_eos_langcode_and_target_eos_langcode(backbone):
    _, tokenizer = load_mbart(backbone)
    tokenizer.src_lang, tokenizer.tgt_lang = mbart_lang_code("vi"), mbart_lang_code("zh")
    enc = tokenizer("Hà Nội", text_target="河内")
    assert enc["input_ids"][-2:] == [tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("vi_VN")]
    assert enc["labels"][-2:] == [tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("zh_CN")]


def test_language_codes_of_dataset_languages():
    assert [mbart_lang_code(x) for x in ("vi", "zh-CN", "en", "zh_CN")] == ["vi_VN", "zh_CN", "en_XX", "zh_CN"]


def test_a_missing_backbone_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ClsDataError, match="cannot load backbone"):
        load_mbart(tmp_path / "no-such-model")


def test_mbart_cls_loss_is_the_mean_over_label_tokens_and_generation_starts_with_the_target_code(backbone):
    from cls_data.benchmark.config import DecodeConfig, TrainConfig
    from cls_data.benchmark.registry import BuildContext, resolve_variant

    resolved = resolve_variant("mbart-cls")  # built as a run builds it
    codec = resolved.codec(backbone, "vi", "zh")
    ctx = BuildContext(
        backbone=str(backbone),
        codec=codec,
        src_lang="vi",
        tgt_lang="zh",
        stage=resolved.spec.stage("cls"),
        train=TrainConfig(),
    )
    wrapped = resolved.builders["cls"](ctx).eval()
    model, tokenizer = wrapped.model, codec.tokenizer
    tokenizer.src_lang, tokenizer.tgt_lang = "vi_VN", "zh_CN"
    zh = tokenizer.convert_tokens_to_ids("zh_CN")
    enc = tokenizer(
        ["Hà Nội hôm nay", "Giá vàng"], text_target=["河内", "金价大幅上涨"], padding=True, return_tensors="pt"
    )
    labels = enc["labels"].masked_fill(enc["labels"] == tokenizer.pad_token_id, -100)
    loss = wrapped({"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], "labels": labels})["cls"]
    # Hand computation: decoder input is `zh_CN Y`, the loss averages over real label tokens only.
    losses = []
    for i in range(2):
        y = [t for t in labels[i].tolist() if t != -100]
        dec = torch.tensor([[y[-1], *y[:-1]]])
        out = model(
            input_ids=enc["input_ids"][i : i + 1],
            attention_mask=enc["attention_mask"][i : i + 1],
            decoder_input_ids=dec,
        )
        losses.append(torch.nn.functional.cross_entropy(out.logits[0], torch.tensor(y), reduction="sum"))
    n = int((labels != -100).sum())
    assert torch.allclose(loss, sum(losses) / n, atol=1e-5)
    out = wrapped.generate(enc["input_ids"], enc["attention_mask"], DecodeConfig(num_beams=2, max_new_tokens=5))
    assert out[:, 0].tolist() == [zh, zh] and out.shape[1] <= 6
    # no second language code (docs/paper-fidelity.md)
    assert wrapped.model.generation_config.forced_bos_token_id is None


def test_an_unreachable_hub_is_one_line_at_once_not_a_minute_of_retries(tmp_path, monkeypatch):
    import time

    from cls_data.benchmark.pretrained import from_pretrained

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.invalid")  # .invalid never resolves (RFC 2606): no traffic
    calls = []
    started = time.monotonic()
    with pytest.raises(
        ClsDataError, match=r"cannot load backbone 'someone/uncached-model'.*\[hub.invalid cannot be resolved\]"
    ):
        from_pretrained(calls.append, "someone/uncached-model", "backbone")
    assert calls == [] and time.monotonic() - started < 5
    assert from_pretrained(lambda name: name, str(tmp_path), "backbone") == str(tmp_path)  # a local folder loads as is


def test_the_smoke_tokenizer_is_the_same_for_the_same_texts():
    # The Unigram trainer hands out tie-breaking score steps in a different order on every call.
    from cls_data.benchmark.families.mbart import train_mbart_tokenizer
    from tests.support.tiny_models import SAMPLE_TEXTS

    trained = {train_mbart_tokenizer(SAMPLE_TEXTS * 20, 200).backend_tokenizer.to_str() for _ in range(4)}
    assert len(trained) == 1
