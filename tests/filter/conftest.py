"""Shared fixtures for the filter tests: fake MT servers, small article files."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from fake_mt import FakeMT  # noqa: E402

from cls_data.records import Article, write_jsonl  # noqa: E402

WORDS = ("hà nội thành phố hồ chí minh chính phủ kinh tế người dân tăng trưởng năm nay quốc hội "
         "giáo dục bệnh viện công an giao thông thời tiết bóng đá đội tuyển việt nam xuất khẩu "
         "doanh nghiệp nghiên cứu khoa học trường học sinh viên").split()


def make_articles(n: int, seed: int = 0) -> list[Article]:
    rng = random.Random(seed)
    articles = []
    for i in range(n):
        summary = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))) + "."
        articles.append(Article(id=f"a{i:04d}", url=f"https://example.vn/{i}", site="example",
                                title=f"Tin {i}", summary=summary, text=f"Nội dung bài {i}.\nĐoạn hai."))
    return articles


@pytest.fixture
def articles_file(tmp_path) -> Path:
    path = tmp_path / "articles.jsonl"
    write_jsonl(path, make_articles(40))
    return path


@pytest.fixture
def mt_server():
    with FakeMT() as server:
        yield server
