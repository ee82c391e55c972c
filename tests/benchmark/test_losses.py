"""Loss-weighting schemes: each formula and its gradients against a hand computation, and learning behaviour."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from cls_data.benchmark.losses import WEIGHTINGS, make_weighting  # noqa: E402
from cls_data.errors import ClsDataError  # noqa: E402

TASKS = ("cls", "mls")
L_CLS, L_MLS = 2.7, 4.1


def _losses():
    return {"cls": torch.tensor(L_CLS, requires_grad=True), "mls": torch.tensor(L_MLS, requires_grad=True)}


def _grads(scheme, losses):
    total = scheme(losses)
    params = list(scheme.parameters())
    grads = torch.autograd.grad(total, [losses["cls"], losses["mls"], *params])
    return total, grads


def test_every_scheme_is_registered_and_an_unknown_name_lists_them_all():
    assert set(WEIGHTINGS) == {"sum", "hu", "rhu", "tflcls"}
    with pytest.raises(ClsDataError, match="choose one of: sum, hu, rhu, tflcls"):
        make_weighting("uncertainty", TASKS)


def test_sum_adds_losses_with_fixed_coefficients_and_learns_nothing():
    scheme = make_weighting("sum", ("cls", "mls", "ot"), coefficients={"ot": 0.1})
    losses = {**_losses(), "ot": torch.tensor(5.0, requires_grad=True)}
    total = scheme(losses)
    assert math.isclose(total.item(), L_CLS + L_MLS + 0.5, rel_tol=1e-5)
    grads = torch.autograd.grad(total, [losses["cls"], losses["mls"], losses["ot"]])
    assert [round(g.item(), 6) for g in grads] == [1.0, 1.0, 0.1]
    assert list(scheme.parameters()) == [] and scheme.learned_values() == {}


def test_hu_matches_kendall_formula_and_its_gradients():
    scheme = make_weighting("hu", TASKS)
    assert scheme.log_var.tolist() == [0.0, 0.0]  # s = log sigma^2 starts at 0 (sigma = 1)
    with torch.no_grad():
        scheme.log_var.copy_(torch.tensor([0.3, -0.4]))
    s_cls, s_mls = 0.3, -0.4
    total, (g_cls, g_mls, g_s) = _grads(scheme, _losses())
    expected = 0.5 * math.exp(-s_cls) * L_CLS + 0.5 * s_cls + 0.5 * math.exp(-s_mls) * L_MLS + 0.5 * s_mls
    assert math.isclose(total.item(), expected, rel_tol=1e-5)
    assert math.isclose(g_cls.item(), 0.5 * math.exp(-s_cls), rel_tol=1e-5)
    assert math.isclose(g_mls.item(), 0.5 * math.exp(-s_mls), rel_tol=1e-5)
    expected_ds = [-0.5 * math.exp(-s) * L + 0.5 for s, L in ((s_cls, L_CLS), (s_mls, L_MLS))]
    assert g_s.tolist() == pytest.approx(expected_ds, rel=1e-5)
    assert scheme.learned_values() == pytest.approx(
        {"sigma_cls": math.exp(s_cls / 2), "sigma_mls": math.exp(s_mls / 2)}
    )


def test_hu_total_can_be_negative():
    scheme = make_weighting("hu", TASKS)
    with torch.no_grad():
        scheme.log_var.fill_(-3.0)
    assert scheme({"cls": torch.tensor(0.01), "mls": torch.tensor(0.01)}).item() < 0


def test_rhu_matches_liebel_koerner_formula_and_its_gradients():
    scheme = make_weighting("rhu", TASKS)
    assert scheme.sigma.tolist() == [1.0, 1.0]
    with torch.no_grad():
        scheme.sigma.copy_(torch.tensor([1.3, 0.7]))
    s_cls, s_mls = 1.3, 0.7
    total, (g_cls, g_mls, g_sigma) = _grads(scheme, _losses())
    expected = sum(0.5 / s**2 * L + math.log(1 + s**2) for s, L in ((s_cls, L_CLS), (s_mls, L_MLS)))
    assert math.isclose(total.item(), expected, rel_tol=1e-5)
    assert math.isclose(g_cls.item(), 0.5 / s_cls**2, rel_tol=1e-5)
    assert math.isclose(g_mls.item(), 0.5 / s_mls**2, rel_tol=1e-5)
    expected_dsigma = [-L / s**3 + 2 * s / (1 + s**2) for s, L in ((s_cls, L_CLS), (s_mls, L_MLS))]
    assert g_sigma.tolist() == pytest.approx(expected_dsigma, rel=1e-5)
    assert scheme.learned_values() == pytest.approx({"sigma_cls": s_cls, "sigma_mls": s_mls})


@pytest.mark.parametrize("r", [2.0, 2.5])
def test_tflcls_matches_the_paper_formula_and_its_gradients(r):
    scheme = make_weighting("tflcls", TASKS, r=r)
    assert scheme.c.item() == 1.0
    with torch.no_grad():
        scheme.c.fill_(0.8)
    c = 0.8
    total, (g_cls, g_mls, g_c) = _grads(scheme, _losses())
    rc = r * c
    expected = 0.5 / rc**2 * L_MLS + math.log(1 + rc**2) + 0.5 / c**2 * L_CLS + math.log(1 + c**2)
    assert math.isclose(total.item(), expected, rel_tol=1e-5)
    assert math.isclose(g_mls.item(), 0.5 / rc**2, rel_tol=1e-5)
    assert math.isclose(g_cls.item(), 0.5 / c**2, rel_tol=1e-5)
    expected_dc = -L_MLS / (r**2 * c**3) + 2 * r**2 * c / (1 + rc**2) - L_CLS / c**3 + 2 * c / (1 + c**2)
    assert math.isclose(g_c.item(), expected_dc, rel_tol=1e-5)
    assert scheme.learned_values() == pytest.approx({"c": c})


def test_tflcls_needs_the_cls_and_mls_tasks_and_a_positive_r():
    with pytest.raises(ClsDataError, match="cls and mls"):
        make_weighting("tflcls", ("cls", "ot"))
    with pytest.raises(ClsDataError, match="positive"):
        make_weighting("tflcls", TASKS, r=0)


def test_a_loss_the_scheme_does_not_know_is_an_error_not_silently_dropped():
    scheme = make_weighting("sum", TASKS)
    with pytest.raises(ValueError, match="expects losses"):
        scheme({**_losses(), "ot": torch.tensor(1.0)})
    with pytest.raises(ClsDataError, match="unknown tasks"):
        make_weighting("sum", TASKS, coefficients={"kd": 0.5})
    with pytest.raises(ClsDataError, match="sum weighting"):
        make_weighting("hu", TASKS, coefficients={"cls": 0.5})


@pytest.mark.parametrize("name", ["hu", "rhu", "tflcls"])
def test_learned_weights_are_fp32_stay_fp32_under_a_dtype_cast_and_move_under_an_optimizer_step(name):
    scheme = make_weighting(name, TASKS)
    scheme.to(torch.bfloat16)
    params = list(scheme.parameters())
    assert params and all(p.dtype == torch.float32 for p in params)
    before = [p.detach().clone() for p in params]
    optimizer = torch.optim.AdamW(params, lr=0.01, weight_decay=0.0)
    # Model losses under autocast may come in bf16; the scheme computes in fp32.
    total = scheme({"cls": torch.tensor(L_CLS, dtype=torch.bfloat16), "mls": torch.tensor(L_MLS)})
    assert total.dtype == torch.float32
    total.backward()
    optimizer.step()
    assert all(not torch.equal(b, p.detach()) for b, p in zip(before, params, strict=False))
    assert scheme.learned_values() != make_weighting(name, TASKS).learned_values()
