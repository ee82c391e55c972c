"""A small Vi2ZhLow-like dataset folder written by the real `cls-data build` code, for benchmark tests.

Summaries are learnable from the text: the Vietnamese summary is the text's first syllables and the
Chinese summary maps each of them to a fixed Han character, so a tiny model can fit them.
"""

from __future__ import annotations

import random
from pathlib import Path

SYLLABLES = (
    "người dân thành phố hà nội việt nam chính phủ kinh tế xã hội giáo dục bệnh viện học sinh công an "
    "giao thông thời tiết mưa bão đường sá nhà máy doanh nghiệp thị trường giá vàng xăng dầu điện nước"
).split()
HAN = {word: chr(0x4E00 + 37 * i) for i, word in enumerate(dict.fromkeys(SYLLABLES))}


def sample_pair(rng: random.Random, text_words: int = 60, summary_words: int = 8) -> tuple[str, str, str]:
    words = [rng.choice(SYLLABLES) for _ in range(text_words)]
    head = words[:summary_words]
    return " ".join(words), " ".join(head), "".join(HAN[w] for w in head)


def build_cls_dataset(
    out: Path,
    *,
    train: int = 40,
    validation: int = 12,
    test: int = 12,
    subsets: tuple[int, ...] = (10, 20),
    seed: int = 1,
    text_words: int = 60,
) -> Path:
    """Write `out/Vi2ZhLow/` with the real builder (parquet splits, README card, build_info.json)."""
    from cls_data.dataset.builder import BuildConfig, build_dataset
    from cls_data.dataset.splits import SplitSizes
    from cls_data.records import CLSSample, stable_id, write_jsonl

    folder = out / "Vi2ZhLow"
    if (folder / "build_info.json").exists():
        return folder
    rng = random.Random(seed)
    samples = []
    for i in range(train + validation + test + 10):  # a margin for anything the builder drops
        url = f"https://news.example.vn/a-{i}.html"
        text, summary, cls_summary = sample_pair(rng, text_words)
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
                published="2023-01-10T08:00:00+07:00",
                crawled_at="2024-03-01T10:00:00+00:00",
                rt_score=0.5 + (i % 50) / 100,
            )
        )
    source = out / "kept.jsonl"
    write_jsonl(source, samples)
    sizes = SplitSizes.parse(f"train={train},validation={validation},test={test},subsets={'+'.join(map(str, subsets))}")
    build_dataset(BuildConfig(kind="vi2zh", inputs=[source], out=out, sizes=sizes, translator="fixture"))
    return folder
