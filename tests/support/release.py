"""A stand-in for the 11,000 Vi2ZhLow pairs the paper's authors released (docs/paper-fidelity.md), as kept.jsonl.

What the release is known to hold, reproduced: 17 "Chinese" summaries that are not Chinese (14
English sentences Google returned untranslated, some with `&apos;` entities; `（vietq.vn） -`; two
Chinese sentences crowded with Latin names, which the script rule flags too), 59 Vietnamese
summaries that occur twice, good Chinese sentences that name Vietnamese people and companies (a
language identifier flags those; the rule must not), tokenizer-style spacing ("7/1 ,  Bộ"),
zero-width spaces and NFD letters. Chinese comes from jieba's dictionary: thousands of distinct
Han characters in real words. Documents are short (60-90 syllables) to keep the build fast.
"""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

from cls_data.records import CLSSample, stable_id

ENGLISH = [  # what Google returned untranslated
    "Vietnam&apos;s exports rose 14% in the first quarter, the General Statistics Office said.",
    "The Ministry of Health has asked hospitals to prepare for a new wave of dengue fever.",
    "Hanoi&apos;s People&apos;s Committee approved the plan to build a second ring road.",
    "Prime Minister Pham Minh Chinh urged ministries to speed up public investment disbursement.",
    "Vingroup said it would spend $2 billion on a new electric vehicle plant in Ha Tinh.",
    "Heavy rain flooded many streets in Ho Chi Minh City on Tuesday afternoon.",
    "The State Bank of Vietnam cut its refinancing rate by 0.5 percentage points.",
    "Police in Da Nang arrested three people for running an online gambling ring.",
    "Gold prices hit a record high of 80 million dong per tael this morning.",
    "The national football team will play Thailand in the final on Sunday.",
    "Vietnam Airlines&apos; profit doubled as international flights recovered.",
    "Students across the country began the high school graduation exam today.",
    "The new expressway is expected to cut travel time between the two cities by half.",
    "Petrol prices were lowered slightly from 3 pm today in line with world prices.",
]
NOT_CHINESE_ODD = "（vietq.vn） -"
LATIN_CROWDED = [  # good Chinese, but most words are Latin names: the script rule flags them
    "Vietcombank、BIDV、VietinBank、Agribank、Techcombank、MB、ACB、VPBank和SHB等银行下调利率。",
    "Nguyen Van Thang、Tran Quoc Khanh、Le Minh Hung和Ho Duc Phoc出席会议。",
]
NAMED = [
    "Vingroup",
    "VinFast",
    "Vietjet",
    "FPT",
    "Nguyễn Xuân Phúc",
    "Pham Nhat Vuong",
    "Masan",
    "Hòa Phát",
    "Vietcombank",
    "PVN",
    "EVN",
    "Sabeco",
]
SYLLABLES = (
    "người dân thành phố hà nội việt nam chính phủ kinh tế xã hội giáo dục bệnh viện học sinh công an "
    "giao thông thời tiết mưa bão đường sá nhà máy doanh nghiệp thị trường giá vàng xăng dầu điện nước "
    "bóng đá đội tuyển trận đấu cầu thủ huấn luyện viên khán giả năm tháng ngày sáng chiều tối bộ xây dựng "
    "quốc hội thủ tướng ngân hàng lãi suất xuất khẩu nông sản du lịch khách quốc tế tăng trưởng dự án"
).split()
N_NOT_CHINESE = len(ENGLISH) + 1 + len(LATIN_CROWDED)  # 17
N_REPEATED = 59


def chinese_words(limit: int = 20_000) -> list[str]:
    """Words of two or more Han characters from jieba's dictionary (its first `limit` lines)."""
    import jieba

    words = []
    with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as handle:
        for _, line in zip(range(limit), handle, strict=False):
            word = line.split(" ", 1)[0]
            if len(word) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
                words.append(word)
    return words


def _vietnamese(rng: random.Random, n: int, i: int) -> str:
    words = [rng.choice(SYLLABLES) for _ in range(n)]
    words[0] = words[0].capitalize()
    text = " ".join(words) + f" số {i} ."
    if i % 7 == 0:  # tokenizer-style spacing, as in the release
        text = f"{1 + i % 28}/{1 + i % 12} ,  " + text
    if i % 11 == 0:
        text = text.replace(" ", " \u200b", 1)
    if i % 13 == 0:
        text = unicodedata.normalize("NFD", text)
    return text


def _chinese(rng: random.Random, vocab: list[str], i: int) -> str:
    parts = [rng.choice(vocab) for _ in range(rng.randint(14, 22))]
    if i % 150 == 0:  # a good sentence naming a Vietnamese company or person
        parts.insert(2, rng.choice(NAMED))
    return "".join(parts[:8]) + "，" + "".join(parts[8:]) + "。"


def release_samples(n: int = 11_000, seed: int = 7) -> list[CLSSample]:
    """`n` pairs: 17 not Chinese and 59 repeated Vietnamese summaries among them, so a build keeps n - 76."""
    rng = random.Random(seed)
    vocab = chinese_words()
    bad = [*ENGLISH, NOT_CHINESE_ODD, *LATIN_CROWDED]
    bad_at = dict(zip(rng.sample(range(n), N_NOT_CHINESE), bad, strict=False))
    samples = []
    for i in range(n):
        url = f"https://dantri.com.vn/xa-hoi/bai-viet-{i}-{20230101000000000 + i}.htm"
        samples.append(
            CLSSample(
                id=stable_id(url),
                url=url,
                site="dantri",
                src_lang="vi",
                tgt_lang="zh",
                text=_vietnamese(rng, rng.randint(60, 90), i),
                summary=_vietnamese(rng, rng.randint(30, 50), i),
                cls_summary=bad_at.get(i) or _chinese(rng, vocab, i),
                rt_score=0.4,
            )
        )
    good = [i for i in range(n) if i not in bad_at]
    pairs = rng.sample(good, 2 * N_REPEATED)
    for first, second in zip(pairs[::2], pairs[1::2], strict=False):  # the same summary under another article
        samples[second].summary = samples[first].summary
    return samples
