"""The SQLite translation cache."""

from cls_data.translate import TranslationCache


def test_cache_is_keyed_by_backend_model_and_languages(tmp_path):
    cache = TranslationCache(tmp_path / "c.sqlite")
    cache.put_many("google", "web", "vi", "zh-CN", [("xin chào", "你好")])
    assert cache.get_many("google", "web", "vi", "zh-CN", ["xin chào", "khác"]) == {"xin chào": "你好"}
    assert cache.get_many("google", "web", "vi", "en", ["xin chào"]) == {}
    assert cache.get_many("hf", "web", "vi", "zh-CN", ["xin chào"]) == {}
    assert cache.get_many("google", "other", "vi", "zh-CN", ["xin chào"]) == {}


def test_committed_rows_survive_reopening_and_large_lookups(tmp_path):
    cache = TranslationCache(tmp_path / "c.sqlite")
    cache.put_many("b", "m", "vi", "zh", [(f"t{i}", f"u{i}") for i in range(1200)])
    # no close(): a killed process never gets to close its connection
    again = TranslationCache(tmp_path / "c.sqlite")
    found = again.get_many("b", "m", "vi", "zh", [f"t{i}" for i in range(1300)])
    assert len(found) == 1200 and found["t1199"] == "u1199"
    assert again._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
