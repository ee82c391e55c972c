"""Crawl test fixtures: the fixture site server (tests import helpers from `crawl_fixture_site`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("crawl_fixture_site", Path(__file__).with_name("fixture_site.py"))
fixture_site = importlib.util.module_from_spec(_spec)
sys.modules["crawl_fixture_site"] = fixture_site
_spec.loader.exec_module(fixture_site)  # tests run with --import-mode=importlib: no sibling imports

@pytest.fixture
def site_server():
    servers = []

    def start(site: str, **kwargs) -> "fixture_site.FixtureSite":
        server = fixture_site.FixtureSite(site, **kwargs).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)
