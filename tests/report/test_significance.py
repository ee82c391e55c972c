import random

import pytest

from cls_data.errors import ClsDataError
from cls_data.report.runs import load_runs
from cls_data.report.significance import paired_bootstrap, parse_pair, run_comparisons, significance_markdown
from tests.support.fake_runs import make_run


def _scores(n, level, spread, seed):
    rng = random.Random(seed)
    return [[min(1.0, max(0.0, rng.gauss(level, spread))) for _ in range(3)] for _ in range(n)]


def test_identical_systems_give_p_one_and_a_zero_interval():
    a = _scores(200, 0.4, 0.15, 1)
    for test in paired_bootstrap(a, a, resamples=1000, seed=0).values():
        assert test.p_value == 1.0
        assert test.diff == test.low == test.high == 0.0


def test_a_clearly_better_system_gets_a_tiny_p_and_an_interval_above_zero():
    b = _scores(200, 0.3, 0.1, 1)
    a = [[value + 0.05 + random.Random(i).uniform(-0.02, 0.02) for value in row] for i, row in enumerate(b)]
    for test in paired_bootstrap(a, b, resamples=1000, seed=0).values():
        assert test.p_value < 0.01
        assert 0 < test.low < test.diff < test.high
        assert test.diff == pytest.approx(5.0, abs=0.5)


def test_a_noisy_small_difference_is_not_called_significant():
    b = _scores(100, 0.3, 0.2, 1)
    a = [[v + random.Random(f"{i}{j}").gauss(0.0, 0.2) for j, v in enumerate(row)] for i, row in enumerate(b)]
    test = paired_bootstrap(a, b, resamples=1000, seed=0)["rouge2"]
    assert test.low < 0 < test.high and test.p_value > 0.05


def test_the_interval_excludes_zero_exactly_when_p_is_below_0_05():
    """One test read two ways: no row may show an interval excluding 0 beside p = 0.053 (the issue's row)."""
    from cls_data.report.significance import percentile_test

    for below in (23, 24, 25, 26):  # 1,000 resamples, `below` of them at or under 0: the 2.5% boundary
        low, high, p = percentile_test([-1.0] * below + [1.0] * (1000 - below))
        assert (low > 0) == (p < 0.05) and high == 1.0
        assert p == pytest.approx(2 * below / 1000)
    b = _scores(60, 0.3, 0.2, 3)
    for shift in [i / 400 for i in range(0, 41)]:  # effects from none to clear, many near the boundary
        a = [
            [v + shift + random.Random(f"{i}{j}").gauss(0.0, 0.15) for j, v in enumerate(row)]
            for i, row in enumerate(b)
        ]
        for test in paired_bootstrap(a, b, resamples=500, seed=1).values():
            assert (test.low > 0 or test.high < 0) == (test.p_value < 0.05), (shift, test)


def test_the_bootstrap_is_reproducible_with_its_seed_and_varies_without_it():
    a, b = _scores(150, 0.35, 0.1, 1), _scores(150, 0.33, 0.1, 2)
    assert paired_bootstrap(a, b, seed=7) == paired_bootstrap(a, b, seed=7)
    assert paired_bootstrap(a, b, seed=7)["rouge1"].low != paired_bootstrap(a, b, seed=8)["rouge1"].low


def test_predictions_are_joined_by_id_not_by_line(tmp_path):
    first = make_run(tmp_path, "Vi2ZhLow", "mbart-cls", 1000, 1, skill=0.5)
    second = make_run(tmp_path, "Vi2ZhLow", "tflcls", 1000, 1, skill=0.5)
    lines = (first / "predictions.jsonl").read_text().splitlines()
    (second / "predictions.jsonl").write_text(
        "\n".join(reversed(lines[:30])) + "\n"
    )  # same scores, other order, fewer ids
    comparisons, _ = run_comparisons(load_runs(tmp_path), [("tflcls", "mbart-cls")])
    (result,) = comparisons
    assert result.n_samples == 30 and result.tests["rouge2"].p_value == 1.0
    assert "10 test id(s) scored by only one system" in result.notes[0]


def test_default_pair_runs_on_every_dataset_and_size_of_the_grid(runs):
    comparisons, notes = run_comparisons(
        runs, [("tflcls", "mbart-cls"), ("tflcls/hu", "tflcls/sum"), ("mclas", "ncls")]
    )
    cells = {(c.dataset, c.train_size, c.system_a, c.system_b) for c in comparisons}
    assert ("Vi2ZhLow", 1000, "tflcls/tflcls/r2", "mbart-cls") in cells
    assert ("En2ZhLow", 3000, "tflcls/hu", "tflcls/sum") in cells and len(cells) == 8
    assert all(c.seeds_a == 2 and c.tests["rouge2"].p_value < 0.01 for c in comparisons if c.system_b == "mbart-cls")
    assert notes == ["pair mclas vs ncls: no dataset and train size has finished runs of both"]
    markdown = significance_markdown(comparisons, 1000, 0, notes)
    assert "| Vi2ZhLow | 1,000 | tflcls/tflcls/r2 | mbart-cls | 40 |" in markdown and "<0.001" in markdown


def test_a_pair_without_a_colon_is_a_user_error():
    assert parse_pair("tflcls/hu:tflcls/sum") == ("tflcls/hu", "tflcls/sum")
    with pytest.raises(ClsDataError, match="write it as A:B"):
        parse_pair("tflcls")
