"""The HTTP Retry-After header, as both the crawler and the translation backends read it."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime


def parse_retry_after(value: bytes | str | None) -> float | None:
    """Seconds to wait, from delta-seconds ("7") or an HTTP date; never negative. None if absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    try:
        return max(0.0, float(text.strip()))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(text).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
