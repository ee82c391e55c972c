"""Summary clean-up, the Vietnamese check and date parsing, on tiny inline texts."""

from __future__ import annotations

import pytest

from cls_data.crawl.clean import (
    content_hash,
    is_boilerplate,
    is_vietnamese,
    remove_summary_from_body,
    strip_lead_prefix,
)
from cls_data.crawl.extract import parse_date
from cls_data.crawl.middlewares import retry_after_seconds


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("TTO - Sáng 1/1, Bộ Xây dựng tổ chức hội nghị.", "Sáng 1/1, Bộ Xây dựng tổ chức hội nghị."),
        ("(Dân trí) - Hôm nay trời mưa to.", "Hôm nay trời mưa to."),
        ("(Chinhphu.vn) - Thủ tướng chỉ đạo.", "Thủ tướng chỉ đạo."),
        ("HÀ NỘI - Người dân đổ ra đường.", "Người dân đổ ra đường."),
        ("Hà Nội (TTXVN) - Sáng nay, Quốc hội họp.", "Sáng nay, Quốc hội họp."),
        ("VOV.VN - Tin vắn trong ngày.", "Tin vắn trong ngày."),
        ("Giá vàng - tăng mạnh trong phiên sáng.", "Giá vàng - tăng mạnh trong phiên sáng."),  # not a prefix
    ],
)
def test_agency_prefixes_and_location_stamps_are_removed(raw, clean):
    assert strip_lead_prefix(raw) == clean


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Bộ Xây dựng vừa ban hành quyết định về quản lý chất lượng công trình trên cả nước.", True),
        ("Thủ tướng: Phát triển kinh tế số là nhiệm vụ trọng tâm của năm", True),
        ("The Ministry of Construction has issued a decision on the quality of construction works.", False),
        ("建设部发布了关于全国建设工程质量管理的决定。", False),
        ("Bộ Xây dựng 发布了关于全国建设工程质量管理的决定。", False),
        ("", False),
    ],
)
def test_vietnamese_check(text, expected):
    assert is_vietnamese(text) is expected


def test_cookie_banner_is_boilerplate_and_a_sapo_is_not():
    assert is_boilerplate("Chúng tôi sử dụng cookie để cải thiện trải nghiệm của bạn.")
    assert not is_boilerplate("Bộ Xây dựng vừa ban hành quyết định mới.")


def test_sapo_repeated_in_the_body_is_removed_and_hash_ignores_spacing():
    body = "TTO - Sáng nay trời mưa.\nĐoạn một.\nĐoạn hai."
    assert remove_summary_from_body("Sáng nay trời mưa.", body) == "Đoạn một.\nĐoạn hai."
    assert content_hash("Sáng nay  trời mưa.", "A\nB") == content_hash("Sáng nay trời mưa", "A B")


@pytest.mark.parametrize(
    "raw, iso",
    [
        ("2024-03-01T08:30:00+07:00", "2024-03-01T08:30:00+07:00"),
        ("2024-03-01T01:30:00Z", "2024-03-01T01:30:00+00:00"),
        ("Thứ hai, 1/3/2024, 08:30 (GMT+7)", "2024-03-01T08:30:00+07:00"),
        ("01/03/2024 08:30 GMT+7", "2024-03-01T08:30:00+07:00"),
        ("Ngày đăng: 01/03/2024", "2024-03-01T00:00:00+07:00"),
        ("không có ngày", None),
        ("31/02/2024", None),
    ],
)
def test_dates_from_iso_and_vietnamese_text(raw, iso):
    assert parse_date(raw) == iso


def test_retry_after_is_parsed_and_capped():
    assert retry_after_seconds(b"3", cap=10) == 3
    assert retry_after_seconds(b"3600", cap=10) == 10
    assert retry_after_seconds(None, cap=10) == 0
    assert retry_after_seconds(b"Wed, 21 Oct 2015 07:28:00 GMT", cap=10) == 0  # in the past
