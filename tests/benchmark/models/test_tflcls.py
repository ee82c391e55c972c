"""TFLCLS's two-decoder model: stage-2 initialisation, shared weights, both losses, generation, save/load."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from cls_data.benchmark.config import DecodeConfig  # noqa: E402
from cls_data.benchmark.models.mbart import load_mbart  # noqa: E402
from cls_data.benchmark.models.mbart_cls import MBartCLS  # noqa: E402
from cls_data.benchmark.models.tflcls import TwoDecoderSeq2Seq  # noqa: E402
from tests.support.tiny_models import one_torch_thread, tiny_mbart  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with one_torch_thread():
        yield


SOURCES = ["Hà Nội hôm nay trời mưa to, nhiều tuyến phố bị ngập sâu.", "Giá vàng tăng mạnh."]
SUMMARIES = ["Hà Nội mưa to", "Giá vàng trong nước tăng mạnh trong phiên giao dịch sáng nay"]
CLS_SUMMARIES = ["今天河内下大雨，许多街道被淹。", "金价上涨"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A pretrained backbone and a stage-1 checkpoint whose every weight differs from it."""
    backbone = tiny_mbart(tmp_path_factory.mktemp("tiny-mbart"))
    stage1, _ = load_mbart(backbone)
    torch.manual_seed(1)
    with torch.no_grad():
        for param in stage1.parameters():
            param.add_(torch.randn_like(param) * 0.05)
    stage1_dir = tmp_path_factory.mktemp("stage1")
    stage1.save_pretrained(stage1_dir)
    return backbone, stage1_dir


@pytest.fixture(scope="module")
def tokenizer(folders):
    _, tok = load_mbart(folders[0])
    tok.src_lang, tok.tgt_lang = "vi_VN", "zh_CN"
    return tok


def _ids(tokenizer):
    return tokenizer.convert_tokens_to_ids("vi_VN"), tokenizer.convert_tokens_to_ids("zh_CN")


def _model(folders, tokenizer, stage1=True):
    """The joint stage as a run builds it: tflcls from the stage-1 weights, or tflcls-no-tra from the backbone."""
    from cls_data.benchmark.config import TrainConfig
    from cls_data.benchmark.registry import BuildContext, resolve_variant

    resolved = resolve_variant("tflcls" if stage1 else "tflcls-no-tra")
    ctx = BuildContext(
        backbone=str(folders[0]),
        codec=resolved.codec(folders[0], "vi", "zh"),
        src_lang="vi",
        tgt_lang="zh",
        stage=resolved.spec.stage("joint"),
        train=TrainConfig(),
        init=folders[1] if stage1 else None,
    )
    return resolved.builders["joint"](ctx).eval()


def _batch(tokenizer, cls_summaries=CLS_SUMMARIES):
    def labels(ids):
        return ids.masked_fill(ids == tokenizer.pad_token_id, -100)

    src = tokenizer(SOURCES, padding=True, return_tensors="pt")
    return {
        "input_ids": src["input_ids"],
        "attention_mask": src["attention_mask"],
        "labels": labels(tokenizer(text_target=cls_summaries, padding=True, return_tensors="pt")["input_ids"]),
        # Monolingual targets are tokenized like sources: `S </s> vi_VN` (the decoder starts with vi_VN).
        "mono_labels": labels(tokenizer(SUMMARIES, padding=True, return_tensors="pt")["input_ids"]),
    }


def _state(module, skip=("embed_tokens.",)):
    return {k: v for k, v in module.state_dict().items() if not k.startswith(skip)}


def test_stage2_puts_stage1_weights_in_encoder_and_cls_decoder_and_pretrained_weights_in_the_mono_decoder(
    folders, tokenizer
):
    pretrained, _ = load_mbart(folders[0])
    stage1, _ = load_mbart(folders[1])
    model = _model(folders, tokenizer)
    for name, module in (("encoder", model.seq2seq.get_encoder()), ("decoder", model.seq2seq.get_decoder())):
        expected = _state(stage1.get_encoder() if name == "encoder" else stage1.get_decoder())
        got = _state(module)
        assert got.keys() == expected.keys()
        assert all(torch.equal(got[k], expected[k]) for k in got), name
    mono, pre = _state(model.mono_decoder), _state(pretrained.get_decoder())
    assert mono.keys() == pre.keys() and len(mono) > 10
    assert all(torch.equal(mono[k], pre[k]) for k in mono)
    assert not any(torch.equal(mono[k], _state(stage1.get_decoder())[k]) for k in mono if mono[k].numel() > 1)
    # One token matrix (from stage 1) for encoder, both decoders and the LM head; the head's bias from stage 1.
    shared = model.seq2seq.get_input_embeddings().weight
    assert torch.equal(shared, stage1.get_input_embeddings().weight)
    for weight in (
        model.mono_decoder.embed_tokens.weight,
        model.seq2seq.get_output_embeddings().weight,
        model.seq2seq.get_encoder().embed_tokens.weight,
        model.seq2seq.get_decoder().embed_tokens.weight,
    ):
        assert weight.data_ptr() == shared.data_ptr()
    assert torch.equal(model.seq2seq.final_logits_bias, stage1.final_logits_bias)
    assert torch.isinf(model.seq2seq.final_logits_bias[0, len(tokenizer) :]).all()
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == sum(p.numel() for p in stage1.parameters()) + sum(
        p.numel() for p in _state(pretrained.get_decoder()).values()
    )


def test_without_stage1_both_decoders_start_from_the_pretrained_decoder_but_are_separate(folders, tokenizer):
    model = _model(folders, tokenizer, stage1=False)
    cls_dec, mono = _state(model.seq2seq.get_decoder()), _state(model.mono_decoder)
    assert all(torch.equal(cls_dec[k], mono[k]) and cls_dec[k].data_ptr() != mono[k].data_ptr() for k in mono)


def test_cls_loss_is_the_mbart_cls_loss_of_the_same_weights(folders, tokenizer):
    model, batch = _model(folders, tokenizer), _batch(tokenizer)
    stage1, _ = load_mbart(folders[1])
    expected = MBartCLS(stage1, _ids(tokenizer)[1]).eval()(batch)["cls"]
    assert torch.allclose(model(batch)["cls"], expected, atol=1e-6)


def test_mono_loss_uses_the_mono_labels_and_source_code_start_and_ignores_the_cls_side(folders, tokenizer):
    model, batch = _model(folders, tokenizer), _batch(tokenizer)
    vi, _ = _ids(tokenizer)
    mls = model(batch)["mls"]
    # Hand computation, one unpadded example at a time: decoder input `vi_VN S </s>`, targets `S </s> vi_VN`.
    total, n = 0.0, 0
    for i in range(len(SOURCES)):
        keep = batch["attention_mask"][i].bool()
        src = batch["input_ids"][i][keep][None]
        y = [t for t in batch["mono_labels"][i].tolist() if t != -100]
        assert y[-1] == vi
        enc = model.seq2seq.get_encoder()(input_ids=src).last_hidden_state
        hidden = model.mono_decoder(
            input_ids=torch.tensor([[vi, *y[:-1]]]), encoder_hidden_states=enc
        ).last_hidden_state
        total += torch.nn.functional.cross_entropy(model.lm_logits(hidden)[0], torch.tensor(y), reduction="sum").item()
        n += len(y)
    assert mls.item() == pytest.approx(total / n, abs=1e-5)
    # Other cross-lingual targets (other lengths, other padding) change nothing on the monolingual side.
    other = _batch(tokenizer, cls_summaries=["金价", "今天上午国内金价大幅上涨，越南足球队在友谊赛中以2比0获胜。"])
    assert model(other)["mls"].item() == pytest.approx(mls.item(), abs=1e-6)


@pytest.mark.parametrize("task", ["cls", "mls"])
def test_each_loss_trains_the_shared_encoder_and_only_its_own_decoder(folders, tokenizer, task):
    model = _model(folders, tokenizer)
    model(_batch(tokenizer))[task].backward()

    def has_grad(module):
        return any(
            p.grad is not None and p.grad.abs().sum() > 0
            for n, p in module.named_parameters()
            if "embed_tokens" not in n
        )

    assert has_grad(model.seq2seq.get_encoder())
    assert has_grad(model.seq2seq.get_decoder()) == (task == "cls")
    assert has_grad(model.mono_decoder) == (task == "mls")
    assert model.seq2seq.get_input_embeddings().weight.grad.abs().sum() > 0


def test_generation_uses_only_the_cls_decoder_and_starts_with_the_target_code_without_forced_bos(folders, tokenizer):
    model, batch = _model(folders, tokenizer), _batch(tokenizer)
    _, zh = _ids(tokenizer)
    decode = DecodeConfig(num_beams=2, max_new_tokens=6)
    out = model.generate(batch["input_ids"], batch["attention_mask"], decode)
    assert out[:, 0].tolist() == [zh, zh]
    assert model.seq2seq.generation_config.forced_bos_token_id is None
    with torch.no_grad():
        for param in model.mono_decoder.parameters():
            if param is not model.seq2seq.get_input_embeddings().weight:
                param.mul_(-3.0)
    assert torch.equal(model.generate(batch["input_ids"], batch["attention_mask"], decode), out)


def test_save_and_load_restore_every_weight_and_the_cls_path_loads_alone(folders, tokenizer, tmp_path):
    model, batch = _model(folders, tokenizer), _batch(tokenizer)
    with torch.no_grad():
        for param in model.mono_decoder.layers.parameters():
            param.add_(0.01)
    model.save(tmp_path / "best")
    loaded = TwoDecoderSeq2Seq.load(tmp_path / "best").eval()
    assert loaded.state_dict().keys() == model.state_dict().keys()
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in model.state_dict().items())
    assert (
        loaded.mono_decoder.embed_tokens.weight.data_ptr() == loaded.seq2seq.get_output_embeddings().weight.data_ptr()
    )
    assert (loaded.cls_start_id, loaded.mono_start_id) == (model.cls_start_id, model.mono_start_id)
    with torch.no_grad():
        assert {k: v.item() for k, v in loaded(batch).items()} == pytest.approx(
            {k: v.item() for k, v in model(batch).items()}
        )
    cls_only, _ = load_mbart(tmp_path / "best")
    assert torch.isinf(cls_only.final_logits_bias[0, len(tokenizer) :]).all()
    decode = DecodeConfig(num_beams=2, max_new_tokens=6)
    assert torch.equal(
        MBartCLS(cls_only, model.cls_start_id).generate(batch["input_ids"], batch["attention_mask"], decode),
        model.generate(batch["input_ids"], batch["attention_mask"], decode),
    )


def test_two_decoders_over_a_from_scratch_bart_as_ncls_ms_builds_it(tmp_path):
    from transformers import BartConfig, BartForConditionalGeneration

    from cls_data.benchmark.models.tflcls import build_two_decoder

    config = BartConfig(
        vocab_size=96,
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        dropout=0.0,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    )
    torch.manual_seed(0)
    first, second = BartForConditionalGeneration(config), BartForConditionalGeneration(config)
    model = build_two_decoder(first, second, cls_start_id=2, mono_start_id=0, label_smoothing=0.1).eval()
    assert torch.equal(model.mono_decoder.layers[0].fc1.weight, second.get_decoder().layers[0].fc1.weight)
    assert model.mono_decoder.embed_tokens is first.get_decoder().embed_tokens
    ids = torch.randint(3, 96, (2, 9))
    batch = {
        "input_ids": ids,
        "attention_mask": torch.ones_like(ids),
        "labels": torch.tensor([[5, 6, 7, 2], [8, 9, 2, -100]]),
        "mono_labels": torch.tensor([[10, 2, -100], [11, 12, 2]]),
    }
    with torch.no_grad():
        losses = model(batch)
    assert set(losses) == {"cls", "mls"} and all(torch.isfinite(v) for v in losses.values())
    out = model.generate(ids, batch["attention_mask"], DecodeConfig(num_beams=2, max_new_tokens=4))
    assert out[:, 0].tolist() == [2, 2]
    model.save(tmp_path / "ncls-ms")
    loaded = TwoDecoderSeq2Seq.load(tmp_path / "ncls-ms").eval()
    assert loaded.label_smoothing == 0.1 and type(loaded.seq2seq) is BartForConditionalGeneration
    with torch.no_grad():
        assert {k: v.item() for k, v in loaded(batch).items()} == pytest.approx(
            {k: v.item() for k, v in losses.items()}
        )
