"""Small generated corpora for the dataset tests: our CLSSample JSONL, NCLS and LCSTS files."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

from cls_data.records import CLSSample, stable_id

VI_SYLLABLES = (
    "người dân thành phố hà nội việt nam chính phủ kinh tế xã hội giáo dục bệnh viện học sinh công an "
    "giao thông thời tiết mưa bão đường sá nhà máy doanh nghiệp thị trường giá vàng xăng dầu điện nước "
    "bóng đá đội tuyển trận đấu cầu thủ huấn luyện viên khán giả năm tháng ngày sáng chiều tối"
).split()
EN_WORDS = (
    "the a of to in police city government people year report said new minister court school market "
    "price oil gold team match player coach fans storm weather hospital doctor patient company workers "
    "river bridge road train plane airport election vote law bank money tax"
).split()
HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
SMALL = "train=50,validation=20,test=20,subsets=10+30"


def words(rng: random.Random, vocab: list[str], n: int) -> str:
    return " ".join(rng.choice(vocab) for _ in range(n))


def han(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(HAN) for _ in range(n))


def vi_samples(n: int, seed: int = 1, start: int = 0) -> list[CLSSample]:
    rng = random.Random(seed)
    samples = []
    for i in range(start, start + n):
        url = f"https://news.example.vn/a-{i}.html"
        samples.append(
            CLSSample(
                id=stable_id(url),
                url=url,
                site="example",
                text=words(rng, VI_SYLLABLES, 120),
                summary=words(rng, VI_SYLLABLES, 25),
                cls_summary=han(rng, 30),
                src_lang="vi",
                tgt_lang="zh",
                published=f"2023-0{1 + i % 9}-1{i % 10}T08:00:00+07:00",
                crawled_at="2024-03-01T10:00:00+00:00",
                rt_score=0.5 + (i % 50) / 100,
            )
        )
    return samples


def ncls_en2zh_block(doc_id: int | None, rng: random.Random, human: str | None = None) -> str:
    head = f"<doc id={doc_id}>" if doc_id is not None else "<doc>"
    lines = [
        head,
        "<Article>",
        words(rng, EN_WORDS, 60),
        words(rng, EN_WORDS, 40),
        "</Article>",
        "<EN-REF-1>",
        words(rng, EN_WORDS, 12),
        "<EN-REF-2>",
        words(rng, EN_WORDS, 10),
        "<ZH-REF-1>",
        han(rng, 20),
        "<ZH-REF-2>",
        han(rng, 15),
    ]
    if human:
        lines += ["<ZH-REF-1-human-corrected>", human, "<ZH-REF-2-human-corrected>", "人工校对。"]
    return "\n".join(lines + ["</doc>"]) + "\n"


def write_en2zh(folder: Path, counts=(80, 30, 30), seed: int = 3) -> Path:
    """EN2ZHSUM_{train,valid,test}.txt with one malformed block in train and human-corrected test refs."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in zip(("train", "valid", "test"), counts, strict=False):
        blocks = [ncls_en2zh_block(i, rng, human=f"人工参考{i}号" if split == "test" else None) for i in range(n)]
        if split == "train":  # a block with no <ZH-REF> at all, and one never closed
            blocks.insert(5, "<doc id=9999>\n<Article>\nlonely article text\n<EN-REF-1>\nonly english\n</doc>\n")
            blocks.insert(9, "<doc id=8888>\n<Article>\nbroken article, its end was lost\n")
        (folder / f"EN2ZHSUM_{split}.txt").write_text("".join(blocks), encoding="utf-8")
    return folder


def write_zh2en(folder: Path, counts=(80, 30, 30), seed: int = 4) -> tuple[Path, Path]:
    """ZH2ENSUM_* summary files keyed by id, and an LCSTS PART_I.txt holding the Chinese articles."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    lcsts, next_id = [], 0
    for split, n in zip(("train", "valid", "test"), counts, strict=False):
        blocks = []
        for _ in range(n):
            summary, text = han(rng, 18), han(rng, 110)
            lcsts.append(
                f"<doc id={next_id}>\n    <summary>\n        {summary}\n    </summary>\n"
                f"    <short_text>\n        {text}\n    </short_text>\n</doc>\n"
            )
            blocks.append(
                f"<doc id={next_id}>\n<ZH-REF-1>\n{summary}\n<EN-REF-1>\n{words(rng, EN_WORDS, 14)}\n</doc>\n"
            )
            next_id += 1
        (folder / f"ZH2ENSUM_{split}.txt").write_text("".join(blocks), encoding="utf-8")
    part = folder / "PART_I.txt"
    part.write_text("".join(lcsts), encoding="utf-8")
    return folder, part


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """`cls-data ARGS` as a user runs it (tests.support.cli.run_cli)."""
    from tests.support.cli import run_cli as launch

    return launch(*args, timeout=120)
