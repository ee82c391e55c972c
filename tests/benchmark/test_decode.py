"""Decoding: shared-beam caches give `generate`'s beams; sorted, bucketed batches give one-at-a-time outputs in
order."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from cls_data.benchmark.config import DecodeConfig  # noqa: E402
from cls_data.benchmark.decode import generate_texts, pad_batch  # noqa: E402
from cls_data.benchmark.models.generation import beam_generate  # noqa: E402
from cls_data.benchmark.models.mbart import load_mbart  # noqa: E402
from cls_data.benchmark.models.mbart_cls import MBartCLS  # noqa: E402
from tests.support.tiny_models import SAMPLE_TEXTS, one_torch_thread, tiny_mbart  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with one_torch_thread():
        yield


class TokenizerCodec:
    """The two things decoding needs from a text codec."""

    def __init__(self, tokenizer):
        self.tokenizer, self.pad_id = tokenizer, tokenizer.pad_token_id

    def decode(self, ids):
        return self.tokenizer.batch_decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)


@pytest.fixture(scope="module")
def mbart(tmp_path_factory):
    model, tokenizer = load_mbart(tiny_mbart(tmp_path_factory.mktemp("tiny-mbart")))
    # Larger random weights than the init: peaked, varied distributions, so beams differ and some end early.
    torch.manual_seed(3)
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() == 2:
                param.normal_(0, 0.3)
    tokenizer.src_lang, tokenizer.tgt_lang = "vi_VN", "zh_CN"
    return MBartCLS(model, tokenizer.convert_tokens_to_ids("zh_CN")).eval(), tokenizer


def _sources(tokenizer):
    # Lengths from a few tokens to several dozen, in no particular order.
    texts = [
        SAMPLE_TEXTS[0],
        " ".join(SAMPLE_TEXTS[:4]),
        SAMPLE_TEXTS[5],
        " ".join(SAMPLE_TEXTS[1:3]),
        SAMPLE_TEXTS[8],
        " ".join(SAMPLE_TEXTS) * 2,
        SAMPLE_TEXTS[3],
    ]
    return tokenizer(texts)["input_ids"]


@pytest.mark.parametrize(
    "decode",
    [
        DecodeConfig(num_beams=4, max_new_tokens=24),
        DecodeConfig(num_beams=3, max_new_tokens=16, length_penalty=0.6, no_repeat_ngram_size=2),
    ],
)
def test_shared_beam_caches_give_exactly_the_beams_of_plain_generate(mbart, decode):
    model, tokenizer = mbart
    ids, mask = pad_batch(_sources(tokenizer), tokenizer.pad_token_id)
    with torch.inference_mode():
        plain = beam_generate(model.model, ids, mask, model.tgt_lang_id, decode, share_beams=False)
        shared = beam_generate(model.model, ids, mask, model.tgt_lang_id, decode)
    assert torch.equal(shared, plain)
    assert len({tuple(row) for row in plain.tolist()}) > 1  # the outputs are not all one degenerate sequence
    assert model.model.config._attn_implementation == "sdpa"  # restored after generation


def test_sorted_bucketed_batches_give_the_outputs_of_one_at_a_time_generate_in_the_original_order(mbart):
    model, tokenizer = mbart
    codec, sources = TokenizerCodec(tokenizer), _sources(tokenizer)
    decode = DecodeConfig(num_beams=4, max_new_tokens=24, batch_size=3)
    progress = []
    texts = generate_texts(
        model, codec, sources, decode, on_progress=lambda done, total: progress.append((done, total))
    )
    expected = []
    with torch.inference_mode():
        for source in sources:
            ids = torch.tensor([source])
            out = beam_generate(model.model, ids, torch.ones_like(ids), model.tgt_lang_id, decode, share_beams=False)
            expected.append(codec.decode(out.tolist())[0].strip())
    assert texts == expected
    assert progress == [(3, 7), (6, 7), (7, 7)]


def test_texts_carry_no_special_tokens_or_language_codes(mbart):
    model, tokenizer = mbart
    decode = DecodeConfig(num_beams=2, max_new_tokens=12)
    texts = generate_texts(model, TokenizerCodec(tokenizer), _sources(tokenizer)[:3], decode)
    specials = [tok for tok in tokenizer.all_special_tokens]
    assert all(text and not any(special in text for special in specials) for text in texts)
    assert generate_texts(model, TokenizerCodec(tokenizer), [], decode) == []


def test_batches_are_padded_on_the_right_to_a_multiple_of_64():
    ids, mask = pad_batch([[5, 6, 7], list(range(3, 70))], pad_id=1)
    assert ids.shape == mask.shape == (2, 128)
    assert ids[0, :4].tolist() == [5, 6, 7, 1] and mask[0].sum() == 3 and mask[1].sum() == 67
