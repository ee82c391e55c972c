"""LaSE and the target-language rate through the metric registry, with a tiny random sentence encoder built here."""

from __future__ import annotations

import json
import math
import random
import shutil
from pathlib import Path

import pytest

from cls_data.errors import ClsDataError
from cls_data.text import language_problem, tokenize_zh
from tests.support.fake_runs import make_run, rewrite_predictions

pytest.importorskip("sentence_transformers")
SAMPLE = Path(__file__).resolve().parents[2] / "cls_data" / "demo" / "sample" / "translations.jsonl"


def real_chinese() -> list[str]:
    """The demo's hand-written Chinese summaries (real news text: names, numbers, Latin inside Han)."""
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()[1:]]
    return [row["zh"] for row in rows if row.get("zh")]


def real_pairs(n: int = 300) -> list[tuple[str, str]]:
    """(prediction, reference) pairs of every kind LaSE must tell apart: close, unrelated, too long, wrong language."""
    refs, rng = real_chinese(), random.Random(7)
    pairs = []
    while len(pairs) < n:
        ref = rng.choice(refs)
        kind = len(pairs) % 5
        pred = (
            ref
            if kind == 0
            else rng.choice(refs)
            if kind == 1
            else ref * 3
            if kind == 2
            else "The ministry said on Tuesday that 12 projects were approved"
            if kind == 3
            else ref[: max(1, len(ref) // 2)] + " &amp; Nguyễn Xuân Phúc"
        )
        pairs.append((pred, ref))
    return pairs


@pytest.fixture(scope="module")
def encoder_dir(tmp_path_factory) -> str:
    from cls_data.report.metrics.tiny_encoder import build_tiny_encoder

    texts = real_chinese() + ["The ministry said on Tuesday that 12 projects were approved &amp; Nguyễn Xuân Phúc"]
    return str(build_tiny_encoder(texts, tmp_path_factory.mktemp("enc") / "tiny-encoder"))


def test_lase_equals_a_direct_computation_with_the_same_encoder(encoder_dir):
    import torch
    from sentence_transformers import SentenceTransformer

    from cls_data.report.metrics import get_metric
    from cls_data.report.metrics.base import MetricOptions, Sample

    pairs = real_pairs(300)
    ours = get_metric("lase").score(
        [Sample(str(i), p, r) for i, (p, r) in enumerate(pairs)], "zh", MetricOptions(lase_model=encoder_dir)
    )
    model = SentenceTransformer(encoder_dir, device="cpu")
    a = torch.tensor(model.encode([p for p, _ in pairs]))
    b = torch.tensor(model.encode([r for _, r in pairs]))
    ms = torch.nn.functional.cosine_similarity(a, b).tolist()
    for (pred, ref), m, (value,) in zip(pairs, ms, ours, strict=True):
        lc = 0.0 if language_problem(pred, "zh") else 1.0
        p, r = len(tokenize_zh(pred)), len(tokenize_zh(ref))
        lp = 1.0 if p <= r + 6 else math.exp(1 - p / (r + 6))  # CrossSum's penalty, alpha 6
        assert value == pytest.approx(m * lc * lp, abs=1e-5)
    kinds = [ours[i][0] for i in range(5)]
    assert kinds[0] == pytest.approx(1.0, abs=1e-5)  # the reference itself
    assert kinds[3] == 0.0  # English: not in the target language
    assert 0 < kinds[2] < 0.8  # three times the reference: the length penalty bites


def test_report_shows_lase_and_target_language_rate_cached_per_run(tmp_path, encoder_dir):
    from cls_data.report.writer import ReportConfig, write_report

    runs = tmp_path / "runs"
    make_run(runs, "Vi2ZhLow", "mbart-cls", 1000, 1, skill=0.3, n=12)
    make_run(runs, "Vi2ZhLow", "tflcls", 1000, 1, skill=1.0, n=12)
    english = "The ministry said on Tuesday that 12 projects were approved"
    rewrite_predictions(
        runs / "Vi2ZhLow" / "mbart-cls" / "n1000" / "seed1",
        lambda sample_id, text: english if sample_id == "Vi2ZhLow-0000" else text,
    )
    local = tmp_path / "encoder"
    shutil.copytree(encoder_dir, local)
    config = ReportConfig(
        runs,
        metrics=("rouge", "lase", "target_lang"),
        lase_model=str(local),
        figures=False,
        cards=False,
        resamples=100,
        rank_by="lase",
    )
    result = write_report(config)
    markdown = result.results_md.read_text(encoding="utf-8")
    assert "## LaSE" in markdown and "## in target language %" in markdown and "NOT LaBSE" in markdown
    rate = next(
        line for line in markdown.split("## in target language %")[1].splitlines() if line.startswith("| mbart-cls")
    )
    assert rate == f"| mbart-cls | {100 * 11 / 12:.2f} |"  # one English output of twelve
    assert "Ranked by LaSE" in markdown and "Δ LaSE" in markdown
    board = {row["system"]: row for row in json.loads((result.out / "results.json").read_text(encoding="utf-8"))}
    assert board["tflcls"]["lase_mean"] == pytest.approx(100.0, abs=1e-3)  # predictions == references
    assert board["mbart-cls"]["target_lang_mean"] == pytest.approx(100 * 11 / 12, abs=1e-3)
    assert result.metrics_computed == 4 and any("by test LaSE" in line for line in result.answer)
    shutil.rmtree(local)  # the rerun must not need the encoder at all
    again = write_report(config)
    assert again.metrics_computed == 0
    assert (
        again.results_md.read_text(encoding="utf-8").split("## LaSE")[1][:2000] == markdown.split("## LaSE")[1][:2000]
    )


def test_an_encoder_offline_without_a_local_copy_is_one_line_naming_it(tmp_path, run_cli):
    make_run(tmp_path / "runs", "Vi2ZhLow", "tflcls", 1000, 1, skill=1.0, n=4)
    # a fresh process, as a user runs it: the hub client reads HF_HUB_OFFLINE when it is imported
    result = run_cli(
        "report",
        tmp_path / "runs",
        "--metrics",
        "rouge,lase",
        "--no-figures",
        env={"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "empty-hf-home")},
    )
    last = result.stderr.rstrip().splitlines()[-1]  # above it: the progress lines
    assert result.returncode == 2 and last.startswith("error: --lase-model sentence-transformers/LaBSE"), result.stderr
    assert "huggingface-cli download sentence-transformers/LaBSE" in last and "Traceback" not in result.stderr


def test_rank_by_a_column_no_metric_scores_is_one_line(tmp_path):
    from cls_data.report.writer import ReportConfig, write_report

    make_run(tmp_path, "Vi2ZhLow", "tflcls", 1000, 1, skill=1.0, n=4)
    with pytest.raises(ClsDataError, match="--rank-by lase: not a column of --metrics rouge"):
        write_report(ReportConfig(tmp_path, figures=False, cards=False, resamples=100, rank_by="lase"))


def test_target_language_rate_of_real_outputs():
    from cls_data.report.metrics.target_language import in_language

    assert in_language(real_chinese()[0], "zh") == 1.0
    assert in_language("Giá vàng SJC tăng thêm 800.000 đồng mỗi lượng", "zh") == 0.0
    assert in_language("越南足球队在友谊赛中以2比0获胜，Nguyễn Quang Hải 打进一球。", "zh") == 1.0
