"""Publish tests run with the Hub offline except for the local stand-in (tests/support/fake_hub.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _offline(offline_hub):
    yield
