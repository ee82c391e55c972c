"""Shared fakes and builders for tests and bench/: servers on 127.0.0.1, tiny models."""
