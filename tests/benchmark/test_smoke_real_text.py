"""The smoke preset on real-looking text: thousands of distinct Han characters and every Vietnamese letter.

A real Vi2ZhLow build holds ~3-4k distinct Han characters; the smoke backbones train their vocabularies on the
dataset, so each must hold every character it sees (or fall back to bytes) instead of failing or mapping it to <unk>.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

pytest.importorskip("torch")

from tests.cli.test_benchmark_command import cli  # noqa: E402

VI_VOWELS = "aăâeêioôơuưy"
TONES = {
    "a": "aàáảãạ",
    "ă": "ăằắẳẵặ",
    "â": "âầấẩẫậ",
    "e": "eèéẻẽẹ",
    "ê": "êềếểễệ",
    "i": "iìíỉĩị",
    "o": "oòóỏõọ",
    "ô": "ôồốổỗộ",
    "ơ": "ơờớởỡợ",
    "u": "uùúủũụ",
    "ư": "ưừứửữự",
    "y": "yỳýỷỹỵ",
}
ONSETS = [
    "",
    "b",
    "c",
    "ch",
    "d",
    "đ",
    "g",
    "gi",
    "h",
    "k",
    "kh",
    "l",
    "m",
    "n",
    "ng",
    "nh",
    "ph",
    "qu",
    "s",
    "t",
    "th",
    "tr",
    "v",
    "x",
]
CODAS = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"]


def han_characters(count: int) -> list[str]:
    """Han characters in the order jieba's dictionary first uses them (real words' characters), else the CJK block."""
    try:
        import jieba

        text = (Path(jieba.__file__).parent / "dict.txt").read_text(encoding="utf-8")
        seen = dict.fromkeys(
            ch for line in text.splitlines() for ch in line.split(" ", 1)[0] if "\u4e00" <= ch <= "\u9fff"
        )
        chars = list(seen)
    except (ImportError, OSError):
        chars = [chr(0x4E00 + i) for i in range(20902)]
    return chars[:count]


def vietnamese_syllable(rng: random.Random) -> str:
    vowel = rng.choice(VI_VOWELS)
    syllable = rng.choice(ONSETS) + rng.choice(TONES[vowel]) + rng.choice(CODAS)
    return syllable.capitalize() if rng.random() < 0.1 else syllable


def build_news_dataset(out: Path, *, train: int = 100, validation: int = 12, test: int = 12, han: int = 4000) -> Path:
    """A Vi2ZhLow-like folder written by the real builder: Vietnamese articles and summaries, Chinese summaries of
    ~60 characters drawn from `han` distinct ones (~3,000 distinct in the training split)."""
    from cls_data.dataset.builder import BuildConfig, build_dataset
    from cls_data.dataset.splits import SplitSizes
    from cls_data.records import CLSSample, stable_id, write_jsonl

    rng, chars = random.Random(3), han_characters(han)
    samples = []
    for i in range(train + validation + test + 10):
        url = f"https://tin.example.vn/bai-{i}.html"
        words = [vietnamese_syllable(rng) for _ in range(rng.randint(80, 140))]
        text = " ".join(words) + "."
        summary = "Đà Nẵng – " + " ".join(words[:30]) + "."
        cls_summary = "".join(rng.choice(chars) for _ in range(rng.randint(50, 70))) + "。"
        samples.append(
            CLSSample(
                id=stable_id(url),
                url=url,
                site="example",
                text=text,
                summary=summary,
                cls_summary=cls_summary,
                src_lang="vi",
                tgt_lang="zh",
                published="2024-05-02T08:00:00+07:00",
                crawled_at="2024-06-01T10:00:00+00:00",
                rt_score=0.5 + (i % 40) / 100,
            )
        )
    write_jsonl(out / "kept.jsonl", samples)
    sizes = SplitSizes.parse(f"train={train},validation={validation},test={test},subsets=50")
    build_dataset(BuildConfig(kind="vi2zh", inputs=[out / "kept.jsonl"], out=out, sizes=sizes, translator="fixture"))
    return out / "Vi2ZhLow"


@pytest.fixture(scope="module")
def news_dir(tmp_path_factory):
    return build_news_dataset(tmp_path_factory.mktemp("news"))


@pytest.fixture(scope="module")
def news_texts(news_dir):
    from cls_data.benchmark.data import open_dataset

    train = open_dataset(news_dir).split("train")
    return [*train["text"], *train["summary"], *train["cls_summary"]]


def test_the_fixture_has_thousands_of_distinct_han_characters_and_vietnamese_letters(news_texts):
    han = {ch for text in news_texts for ch in text if "\u4e00" <= ch <= "\u9fff"}
    assert len(han) > 2500 and {"đ", "ư", "ơ", "ắ", "ệ", "ỹ"} <= {ch for text in news_texts for ch in text}


@pytest.mark.parametrize("variant", ["mbart-cls", "ncls", "mclas"])
def test_each_smoke_backbone_learns_a_vocabulary_that_holds_every_character_of_the_dataset(
    news_texts, tmp_path, variant
):
    from transformers import AutoTokenizer

    from cls_data.benchmark.registry import resolve_variant

    resolved = resolve_variant(variant)  # the family's smoke backbone, as a smoke run writes it
    folder = resolved.smoke_backbone(news_texts, tmp_path / resolved.family)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    for text in news_texts[::7]:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert tokenizer.unk_token_id not in ids, (variant, text[:40])


@pytest.mark.slow
def test_the_smoke_benchmark_runs_through_on_real_looking_news_text(news_dir, tmp_path):
    out = tmp_path / "RUNS"
    done = cli(
        "benchmark",
        "--dataset",
        str(news_dir),
        "--preset",
        "smoke",
        "--variants",
        "mbart-cls,tflcls",
        "--weighting",
        "tflcls",
        "--train-sizes",
        "50",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads((out / "results.json").read_text())
    assert {(row["variant"], row["status"]) for row in rows} == {("mbart-cls", "done"), ("tflcls", "done")}
