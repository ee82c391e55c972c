"""Small Vietnamese `Article` files for the filter tests and benchmark."""

from __future__ import annotations

import random

from cls_data.records import Article

WORDS = (
    "hà nội thành phố hồ chí minh chính phủ kinh tế người dân tăng trưởng năm nay quốc hội "
    "giáo dục bệnh viện công an giao thông thời tiết bóng đá đội tuyển việt nam xuất khẩu "
    "doanh nghiệp nghiên cứu khoa học trường học sinh viên"
).split()


def make_articles(n: int, seed: int = 0) -> list[Article]:
    rng = random.Random(seed)
    articles = []
    for i in range(n):
        summary = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))) + "."
        articles.append(
            Article(
                id=f"a{i:04d}",
                url=f"https://example.vn/{i}",
                site="example",
                title=f"Tin {i}",
                summary=summary,
                text=f"Nội dung bài {i}.\nĐoạn hai.",
            )
        )
    return articles
