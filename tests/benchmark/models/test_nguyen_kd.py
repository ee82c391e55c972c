"""Nguyen & Luu: the Sinkhorn term between decoder states, and a student distilled from a frozen teacher."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("geomloss")

from cls_data.benchmark.config import DecodeConfig  # noqa: E402
from cls_data.benchmark.models.ot import sinkhorn_divergence  # noqa: E402
from tests.support.family_models import batch_for, bert_tokenizer, build_stage, save_stage  # noqa: E402


def _states(seed: int, batch: int = 2, length: int = 6, dim: int = 16) -> torch.Tensor:
    return torch.randn(batch, length, dim, generator=torch.Generator().manual_seed(seed))


MASK = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=torch.bool)


def test_sinkhorn_term_is_zero_for_identical_states_and_positive_otherwise():
    x = _states(0)
    same = sinkhorn_divergence(x, MASK, x.clone(), MASK)
    assert same.shape == (2,) and torch.all(same.abs() < 1e-4)
    assert torch.all(sinkhorn_divergence(x, MASK, _states(1), MASK) > 0.1)


def test_sinkhorn_term_ignores_padding_positions():
    x, y = _states(0), _states(1, length=6)
    y_mask = torch.tensor([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 0]], dtype=torch.bool)
    base = sinkhorn_divergence(x, MASK, y, y_mask)
    x2, y2 = x.clone(), y.clone()
    x2[~MASK] = 1e3
    y2[~y_mask] = -7.0
    assert torch.equal(sinkhorn_divergence(x2, MASK, y2, y_mask), base)
    # ...and a padded copy of a cloud is at distance 0 from the cloud itself.
    short = x[:1, :4]
    assert sinkhorn_divergence(short, torch.ones(1, 4, dtype=torch.bool), x[:1], MASK[:1]).abs().item() < 1e-4


def test_sinkhorn_term_depends_on_the_sets_not_their_order():
    x, y = _states(0), _states(1)
    perm = torch.tensor([3, 1, 0, 2, 4, 5])
    assert torch.allclose(
        sinkhorn_divergence(x[:, perm], MASK, y, MASK), sinkhorn_divergence(x, MASK, y, MASK), atol=1e-4
    )


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    teacher = build_stage("nguyen-kd", "teacher")
    return build_stage(
        "nguyen-kd",
        "student",
        init=save_stage(teacher, "nguyen-kd", tmp_path_factory.mktemp("teacher") / "best"),
        seed=1,
    )


def test_student_starts_from_the_teacher_and_the_teacher_is_not_a_trainable_or_saved_part(student):
    names = set(student.state_dict())
    assert names and all(name.startswith("student.") for name in names)
    teacher_ids = {id(p) for p in student.teacher.parameters()}
    assert not teacher_ids & {id(p) for p in student.parameters()}
    for (name, p), q in zip(student.student.named_parameters(), student.teacher.parameters(), strict=False):
        assert torch.equal(p, q), name
    student.train()
    assert not student.teacher.training


def test_gradient_of_the_ot_term_reaches_the_student_only(student):
    batch = batch_for(bert_tokenizer(), special_targets=False)
    student.zero_grad()
    losses = student(batch)
    assert set(losses) == {"cls", "ot"} and losses["ot"].item() > 0
    losses["ot"].backward()
    assert all(p.grad is None and not p.requires_grad for p in student.teacher.parameters())
    decoder_grads = [
        p.grad for n, p in student.student.named_parameters() if ".decoder." in n and "crossattention" in n
    ]
    assert decoder_grads and any(g is not None and g.abs().sum() > 0 for g in decoder_grads)


def test_student_trains_a_few_steps_moves_its_teacher_with_it_and_generates(student):
    batch = batch_for(bert_tokenizer(), special_targets=False)
    optimizer = torch.optim.Adam(student.parameters(), lr=1e-3)
    before = [p.clone() for p in student.teacher.parameters()]
    for _ in range(3):
        optimizer.zero_grad()
        losses = student(batch)
        (losses["cls"] + 0.1 * losses["ot"]).backward()
        optimizer.step()
    assert all(torch.equal(a, b) for a, b in zip(before, student.teacher.parameters(), strict=False))
    student.double()
    assert next(student.teacher.parameters()).dtype == torch.float64
    student.float().eval()
    out = student.generate(batch["input_ids"], batch["attention_mask"], DecodeConfig(num_beams=2, max_new_tokens=5))
    assert out[:, 0].tolist() == [1] * out.size(0) and out.size(1) <= 6


def test_teacher_states_without_the_lm_head_are_the_decoders_final_hidden_states(student):
    from cls_data.benchmark.models.bert_seq2seq import frame

    batch = batch_for(bert_tokenizer(), special_targets=False)
    inputs, _ = frame(batch["mono_labels"], student.markers)
    with torch.no_grad():
        full = student.teacher.decode_states(batch, inputs, hidden=True).decoder_hidden_states[-1]
        assert torch.allclose(student.teacher.decoder_states(batch, inputs), full, atol=1e-5)
