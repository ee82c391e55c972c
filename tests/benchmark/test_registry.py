"""The variant registry: lazy specs, ablations derived from tflcls, one-line misses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cls_data.benchmark.config import to_dict
from cls_data.benchmark.presets import PRESETS
from cls_data.benchmark.registry import WEIGHTINGS, get_variant, variant_names, weightings_of
from cls_data.errors import ClsDataError


def test_the_mbart_family_is_registered_and_a_miss_lists_every_valid_name():
    assert variant_names()[:4] == ["mbart-cls", "tflcls", "tflcls-no-tra", "tflcls-no-mul"]
    with pytest.raises(ClsDataError, match="unknown variant 'tflcls-no-tramul'; choose one of: mbart-cls, tflcls"):
        get_variant("tflcls-no-tramul")


def test_ablations_are_specs_derived_from_tflcls():
    tflcls, no_tra, no_mul = get_variant("tflcls"), get_variant("tflcls-no-tra"), get_variant("tflcls-no-mul")
    assert [s.name for s in tflcls.stages] == ["translation", "joint"]
    assert no_tra.stages == (tflcls.stage("joint").__class__(**{**tflcls.stage("joint").__dict__, "init_from": None}),)
    assert no_mul.stages[0] == tflcls.stage("translation") and no_mul.stages[0].shared == "stage1-translation"
    assert (
        no_mul.stage("cls").init_from == "translation"
        and no_mul.stage("cls").mono_target is None
        and not no_mul.weightings
    )
    assert no_tra.weightings == tflcls.weightings and weightings_of(tflcls) == tuple(WEIGHTINGS)
    assert tflcls.default_weighting == "tflcls"


def test_registry_and_presets_do_not_import_torch():
    code = (
        "import sys; from cls_data.benchmark.registry import variant_names, get_variant; "
        "[get_variant(n) for n in variant_names()]; import cls_data.benchmark.grid, cls_data.benchmark.plan; "
        "print('torch' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_the_weighting_names_match_the_loss_module():
    pytest.importorskip("torch")
    from cls_data.benchmark import losses

    for name in WEIGHTINGS:
        losses.make_weighting(name, ("cls", "mls"))
    with pytest.raises(ClsDataError):
        losses.make_weighting("nope", ("cls", "mls"))


def test_presets_serialise_to_plain_json_values():
    import json

    for preset in PRESETS.values():
        assert json.loads(json.dumps(to_dict(preset)))["stage1"]["clip_norm"] == 1.0
    assert PRESETS["paper"].stage1.lr == 5e-5 and PRESETS["paper"].stage2.lr == 2.5e-5
    assert (
        PRESETS["paper"].stage1.batch_size * PRESETS["paper"].stage1.grad_accum
        == 16
        == PRESETS["paper"].stage2.batch_size * PRESETS["paper"].stage2.grad_accum
    )
    assert PRESETS["paper"].stage1.weighting_lr is None and PRESETS["paper"].stage1.val_subset is None
