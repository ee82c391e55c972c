"""The one registry helper: a name written once, lazy entries imported on first lookup, a miss lists the names."""

from __future__ import annotations

import sys

import pytest

from cls_data.errors import ClsDataError
from cls_data.registry import Registry


def test_a_lazy_entry_is_imported_on_first_lookup_only():
    sys.modules.pop("json.tool", None)
    reg: Registry = Registry("formatter")
    reg.register("tool", lazy="json.tool:main")
    assert "tool" in reg and list(reg) == ["tool"] and "json.tool" not in sys.modules
    assert reg["tool"].__module__ == "json.tool"


def test_a_miss_is_one_line_listing_every_name_and_mapping_get_still_works():
    reg: Registry = Registry("colour")
    reg.register("red", 1)

    @reg.register("blue")
    def blue() -> int:
        return 2

    with pytest.raises(ClsDataError, match=r"^unknown colour 'green'; choose one of: red, blue$"):
        reg["green"]
    assert reg.get("green") is None and reg["blue"] is blue and reg.help() == "red, blue"


def test_a_name_registered_twice_is_refused_unless_it_is_the_same_entry():
    reg: Registry = Registry("colour")
    reg.register("red", 1)
    reg.register("red", 1)  # a module imported again registers the same thing: fine
    with pytest.raises(ValueError, match="colour 'red' is registered twice"):
        reg.register("red", 2)


def test_modules_are_imported_before_the_first_lookup_so_what_they_register_is_found():
    from cls_data.benchmark.registry import FAMILIES, VARIANTS

    assert {"mbart", "ncls", "mbert", "llm"} <= set(FAMILIES)
    assert "tflcls" in VARIANTS and FAMILIES["llm"].options
