"""Dataset tests run with the Hub offline (fixtures in tests/support/fixtures.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _offline(offline_hub):
    yield
