"""`cls-data build crosssum`: CrossSum's released JSONL (a fixture in its format) into a test-only dataset folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cls_data.dataset.crosssum import build_crosssum
from cls_data.dataset_folder import read_split
from cls_data.errors import ClsDataError

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "crosssum"


def test_a_direction_folder_becomes_one_test_split_with_a_card(tmp_path):
    result = build_crosssum(str(FIXTURE), "vi-zh", tmp_path)
    assert result.folder.name == "CrossSum-vi2zh" and result.read == 23 and result.kept == 20
    assert dict(result.dropped) == {"duplicate pair": 1, "empty text or summary": 1, "summary not Chinese": 1}
    table = read_split(result.folder, "test").to_pylist()
    assert len(table) == 20 and len({row["id"] for row in table}) == 20
    assert (
        table[0]["cls_summary"].startswith("3月3日上午")
        and table[0]["summary"] == ""
        and table[0]["text"].startswith("Sáng 3/3")
    )
    assert {row["crosssum_split"] for row in table} == {"test", "val"}
    info = json.loads((result.folder / "build_info.json").read_text(encoding="utf-8"))
    assert (info["src_lang"], info["tgt_lang"], info["test_only"]) == ("vi", "zh", True)
    card = (result.folder / "README.md").read_text(encoding="utf-8")
    assert "license: cc-by-nc-sa-4.0" in card and "bhattacharjee-etal-2023-crosssum" in card and "split: test" in card
    from cls_data.benchmark.data import open_dataset

    assert open_dataset(result.folder).split("test", ("id", "text", "cls_summary")).num_rows == 20


def test_one_released_file_is_read_alone_and_a_rebuild_replaces_it(tmp_path):
    one = FIXTURE / "vietnamese-chinese_simplified_val.jsonl"
    assert build_crosssum(str(one), "vi-zh", tmp_path).kept == 6
    assert build_crosssum(str(FIXTURE), "vi-zh", tmp_path).kept == 20
    assert len(list((tmp_path / "CrossSum-vi2zh" / "data").glob("*.parquet"))) == 1


def test_a_malformed_record_is_one_line_with_file_and_line(tmp_path):
    bad = tmp_path / "vietnamese-chinese_simplified_test.jsonl"
    lines = (FIXTURE / bad.name).read_text(encoding="utf-8").splitlines()[:2]
    bad.write_text("\n".join([*lines, '{"source_url": "x", "text": "Hà Nội"}']) + "\n", encoding="utf-8")
    with pytest.raises(ClsDataError, match=f"{bad}:3: not a CrossSum record"):
        build_crosssum(str(bad), "vi-zh", tmp_path / "out")
    with pytest.raises(ClsDataError, match="no vietnamese-english_simplified|--pair"):
        build_crosssum(str(FIXTURE), "vi-xx", tmp_path / "out")


def test_the_hub_id_offline_is_one_line_saying_how_to_get_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ClsDataError) as error:
        build_crosssum("csebuetnlp/CrossSum", "vi-zh", tmp_path)
    assert "\n" not in str(error.value) and "huggingface-cli download csebuetnlp/CrossSum" in str(error.value)
