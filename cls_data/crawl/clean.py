"""Text clean-up for crawled articles: agency prefixes and location stamps, the Vietnamese check."""

from __future__ import annotations

import hashlib
import re

from cls_data.text import east_asian_count, normalize, tokenize_vi

# "TTO - ", "(Dân trí) - ", "(Chinhphu.vn) - ", "HÀ NỘI - ", "VOV.VN - ", "Hà Nội (TTXVN) - "
_LEAD = re.compile(r"^\s*(?P<head>[^-–—:]{2,48}?)\s*[-–—]+\s+")
_PAREN = re.compile(r"^\(.{1,40}\)$|^.{1,30}\s\([^)]{1,30}\)$")
# Vietnamese letters that no English (ASCII) or Chinese text uses.
_VI_LETTERS = set("àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")
_VI_COMMON = set(
    "và của các là có được trong cho với những một này đã không người năm khi để từ theo đến "
    "tại về cũng sẽ ra nhiều đó như vào sau trên bị nhưng thì hơn nước việc làm".split()
)
_BOILERPLATE = re.compile(r"\bcookies?\b|javascript|trình duyệt của bạn|đăng nhập để|subscribe", re.IGNORECASE)


def strip_lead_prefix(summary: str) -> str:
    """Remove agency prefixes and upper-case location stamps that open a Vietnamese sapo."""
    text = normalize(summary)
    for _ in range(2):  # "HÀ NỘI (TTXVN) - " or "(Dân trí) - Hà Nội - " may stack
        match = _LEAD.match(text)
        if not match:
            break
        head = match.group("head").strip()
        letters = [c for c in head if c.isalpha()]
        if not letters or not (head.isupper() or _PAREN.match(head) or head.endswith((".vn", ".VN"))):
            break
        text = text[match.end() :]
    return text


def remove_summary_from_body(summary: str, body: str) -> str:
    """Body paragraphs without any that repeat the sapo (some pages print it twice)."""
    key = _fold(summary)
    return "\n".join(
        line for line in body.split("\n") if line and _fold(line) != key and _fold(strip_lead_prefix(line)) != key
    )


def _fold(text: str) -> str:
    return " ".join(tokenize_vi(text))


def vietnamese_score(text: str) -> float:
    """0..1: how Vietnamese a text looks (diacritic letters and common syllables; Han, kana, Hangul score 0)."""
    letters = [c for c in text.lower() if c.isalpha()]
    if not letters or east_asian_count(text) > 0.1 * len(letters):
        return 0.0
    diacritic_share = sum(c in _VI_LETTERS for c in letters) / len(letters)
    syllables = tokenize_vi(text)
    common_share = sum(s in _VI_COMMON for s in syllables) / max(len(syllables), 1)
    # Real sapos: ~15-30% diacritic letters, ~15-30% common syllables. English: 0 and ~0.
    return min(1.0, diacritic_share / 0.12 * 0.5 + common_share / 0.12 * 0.5)


def is_vietnamese(text: str, threshold: float = 0.5) -> bool:
    return vietnamese_score(text) >= threshold


def is_boilerplate(text: str) -> bool:
    """Cookie banners, log-in prompts and similar page furniture caught by a loose sapo selector."""
    return bool(_BOILERPLATE.search(text))


def content_hash(summary: str, body: str) -> str:
    """Hash of the normalised text, so one article under two URLs is caught."""
    return hashlib.sha1(f"{_fold(summary)}\n{_fold(body)}".encode()).hexdigest()
