"""The decoder-only LLM family: prompt and label layout, k-shot selection, truncation, answer clean-up, generation."""

from __future__ import annotations

import dataclasses

import pytest

from tests.benchmark.conftest import TINY_PRESET


@pytest.fixture(scope="session")
def llm_backbone(tmp_path_factory, dataset):
    from cls_data.benchmark.families.llm import build_tiny_llm

    train = dataset.split("train")
    return build_tiny_llm(
        [*train["text"], *train["summary"], *train["cls_summary"]],
        tmp_path_factory.mktemp("llm") / "tiny",
        vocab_size=400,
    )


@pytest.fixture(scope="session")
def llm_codec(llm_backbone):
    from cls_data.benchmark.families.llm import llm_codec

    return llm_codec(llm_backbone, "vi", "zh")


@pytest.fixture(scope="module")
def prompted(llm_codec, llm_backbone):
    """The local `llm-prompt` model, built by the variant's registered builder as a run builds it."""
    from cls_data.benchmark.config import TrainConfig
    from cls_data.benchmark.registry import BuildContext, resolve_variant

    resolved = resolve_variant("llm-prompt")
    ctx = BuildContext(
        backbone=str(llm_backbone),
        codec=llm_codec,
        src_lang="vi",
        tgt_lang="zh",
        stage=resolved.spec.inference,
        train=TrainConfig(),
    )
    return resolved.builders[resolved.spec.inference.name](ctx).eval()


def test_the_prompt_is_the_chat_template_and_the_labels_are_the_answer_and_its_end_of_turn(llm_codec, dataset):
    test = dataset.split("test")
    document, summary = test["text"][0], test["cls_summary"][0]
    [source] = llm_codec.encode([document], "source", 4096)
    [target] = llm_codec.encode([summary], "target", 64)
    rendered = llm_codec.tokenizer.apply_chat_template(
        llm_codec.messages(document), tokenize=False, add_generation_prompt=True
    )
    assert llm_codec.tokenizer.decode(source) == rendered
    assert rendered.startswith("<|im_start|>system\n") and rendered.endswith("<|im_start|>assistant\n")
    assert "Vietnamese" in rendered and "Chinese" in rendered
    assert target[-1] == llm_codec.tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert llm_codec.tokenizer.decode(target[:-1]) == summary
    assert llm_codec.document(source) == document  # what a server client sends


def test_the_loss_masks_every_prompt_token_and_no_answer_token(llm_codec, dataset):
    from cls_data.benchmark.data import collate, encode_split
    from cls_data.benchmark.models.base import IGNORE_INDEX
    from cls_data.benchmark.models.decoder_lm import prompt_and_answer

    encoded = encode_split(
        dataset, "test", llm_codec, source="text", target="cls_summary", src_max_len=120, tgt_max_len=24, limit=3
    )
    batch = collate(encoded, [0, 1, 2], dataclasses.replace(TINY_PRESET.stage1, src_max_len=120), llm_codec.pad_id)
    row = prompt_and_answer(batch, llm_codec.pad_id)
    for i in range(3):
        prompt, answer = encoded.src.row(i).tolist(), encoded.tgt.row(i).tolist()
        real = row["attention_mask"][i].bool()
        assert row["input_ids"][i][real].tolist() == prompt + answer  # the answer follows its prompt directly
        labels = row["labels"][i][real].tolist()
        assert labels == [IGNORE_INDEX] * len(prompt) + answer
        assert row["position_ids"][i][real].tolist() == list(range(len(prompt) + len(answer)))
        assert (row["labels"][i][~real] == IGNORE_INDEX).all()


def test_the_batched_loss_equals_each_pair_alone(llm_codec, prompted, dataset):
    import torch
    import torch.nn.functional as F

    from cls_data.benchmark.data import collate, encode_split

    model = prompted
    encoded = encode_split(
        dataset, "validation", llm_codec, source="text", target="cls_summary", src_max_len=120, tgt_max_len=24, limit=2
    )
    batch = collate(encoded, [0, 1], dataclasses.replace(TINY_PRESET.stage1, src_max_len=120), llm_codec.pad_id)
    with torch.no_grad():
        batched = model(batch)["cls"]
        losses, tokens = [], 0
        for i in range(2):
            prompt, answer = encoded.src.row(i).tolist(), encoded.tgt.row(i).tolist()
            logits = model.model(input_ids=torch.tensor([prompt + answer])).logits[0, len(prompt) - 1 : -1]
            losses.append(F.cross_entropy(logits, torch.tensor(answer), reduction="sum"))
            tokens += len(answer)
    assert batched.item() == pytest.approx((sum(losses) / tokens).item(), rel=1e-4)


def test_batched_left_padded_generation_returns_only_new_tokens_like_one_prompt_at_a_time(llm_codec, prompted, dataset):
    import torch

    from cls_data.benchmark.config import DecodeConfig
    from cls_data.benchmark.decode import pad_batch

    model = prompted
    texts = dataset.split("test")["text"][:3]
    sources = llm_codec.encode([texts[0][:40], texts[1], texts[2][:80]], "source", 200)
    decode = DecodeConfig(num_beams=1, no_repeat_ngram_size=0, max_new_tokens=6)
    with torch.no_grad():
        together = model.generate(*pad_batch(sources, llm_codec.pad_id), decode)
        alone = [model.generate(*pad_batch([source], llm_codec.pad_id), decode)[0] for source in sources]
    for row, single in zip(together.tolist(), alone, strict=False):
        assert llm_codec.decode([row]) == llm_codec.decode([single.tolist()])
    assert together.shape[1] <= 6


def _plan(codec, dataset, shots: int, seed: int = 0):
    """The RunPlan of an llm-prompt run on the fixture's train_8 with --shots `shots` (what `choose_shots` reads)."""
    from pathlib import Path

    from cls_data.benchmark.context import RunContext, RunSpec
    from cls_data.benchmark.registry import resolve_variant
    from cls_data.benchmark.run_plan import RunPlan, TrainSplit

    ctx = RunContext(out=Path("RUNS"), preset=TINY_PRESET, options={"shots": shots})
    run = RunSpec(dataset.path, dataset.name, "llm-prompt", None, None, 8, seed)
    return RunPlan(
        run=run,
        ctx=ctx,
        variant=resolve_variant("llm-prompt"),
        dataset=dataset,
        train=TrainSplit.of(dataset, 8),
        backbone="tiny",
        codec=codec,
        configs={},
    )


def test_k_shot_examples_come_from_the_run_training_split_chosen_by_seed(llm_codec, dataset):
    from cls_data.benchmark.families.llm import choose_shots

    first, notes = choose_shots(_plan(llm_codec, dataset, 2))
    again, _ = choose_shots(_plan(llm_codec, dataset, 2))
    other, _ = choose_shots(_plan(llm_codec, dataset, 2, seed=3))
    train_8 = dataset.split("train_8")
    allowed = set(zip(train_8["cls_summary"]))
    assert len(first.examples) == 2 and first.examples == again.examples and first.examples != other.examples
    assert all((summary,) in allowed for _, summary in first.examples)
    assert "2-shot prompt" in notes[0] and "train_8" in notes[0]
    messages = first.messages("DOC")
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert messages[2]["content"] == first.examples[0][1] and messages[-1]["content"].endswith("DOC")
    assert first.key != llm_codec.key  # the examples are part of the token cache key
    assert choose_shots(_plan(llm_codec, dataset, 0))[0] is llm_codec


def test_the_document_is_cut_to_the_prompt_budget_and_too_many_shots_is_one_line(llm_codec, dataset):
    from cls_data.benchmark.families.llm import choose_shots
    from cls_data.errors import ClsDataError

    document = " ".join(dataset.split("test")["text"][:4])
    budget = len(llm_codec.head) + len(llm_codec.tail) + 40
    [source] = llm_codec.encode([document], "source", budget)
    assert len(source) == budget and source[-len(llm_codec.tail) :] == llm_codec.tail
    assert source[: len(llm_codec.head)] == llm_codec.head
    many, _ = choose_shots(_plan(llm_codec, dataset, 8))
    with pytest.raises(ClsDataError, match="use fewer --shots"):
        many.encode([document], "source", budget)
    with pytest.raises(ClsDataError, match="only 8 pairs"):
        choose_shots(_plan(llm_codec, dataset, 9))


@pytest.mark.parametrize(
    "answer, expected",
    [
        ('Summary: "Hà Nội mưa to"', "Hà Nội mưa to"),
        ("摘要：“河内下大雨”", "河内下大雨"),
        ("```\n河内下大雨\n```", "河内下大雨"),
        ("「河内下大雨」", "河内下大雨"),
        ("Tóm tắt: Hà Nội mưa to", "Hà Nội mưa to"),
        ("河内下大雨", "河内下大雨"),
    ],
)
def test_answers_lose_their_wrappers(answer, expected):
    from cls_data.benchmark.families.llm import clean_answer

    assert clean_answer(answer)["prediction"] == expected


def test_an_answer_not_in_the_target_language_is_kept_and_flagged():
    from cls_data.benchmark.families.llm import clean_answer

    wrong = clean_answer("Hà Nội có mưa to trong ngày hôm nay", tgt_lang="zh")
    assert wrong["prediction"] == "Hà Nội có mưa to trong ngày hôm nay" and wrong["language_ok"] is False
    assert clean_answer("河内今天下大雨", tgt_lang="zh")["language_ok"] is True
    assert clean_answer("", tgt_lang="zh")["language_ok"] is True  # empty: counted as an empty prediction instead


def test_the_smoke_tokenizer_is_the_same_for_the_same_texts(tmp_path, dataset):
    from cls_data.benchmark.families.llm import build_tiny_llm

    texts = dataset.split("train")["text"]
    one, two = (
        build_tiny_llm(texts, tmp_path / "a", vocab_size=300),
        build_tiny_llm(texts, tmp_path / "b", vocab_size=300),
    )
    assert (one / "tokenizer.json").read_text() == (two / "tokenizer.json").read_text()
