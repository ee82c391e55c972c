"""The translation-free signal: cross-lingual embedding similarity, alone and combined."""

from __future__ import annotations

import json

import pytest

from cls_data.filter.run import FilterConfig, run_filter
from cls_data.filter.xsim import xsim_scores
from tests.support.filter_models import build_tiny_encoder


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory):
    return str(build_tiny_encoder(tmp_path_factory.mktemp("tiny-bert")))


def test_identical_texts_have_similarity_one_and_order_follows_the_pairs(tiny_encoder):
    scores = xsim_scores(
        ["xin chào", "hôm nay", "xin chào"], ["xin chào", "zzz qqq", "hôm nay"], tiny_encoder, batch_size=2
    )
    assert scores[0] == pytest.approx(1.0, abs=1e-5)
    assert scores[1] < 0.999 and scores[2] < 0.999


@pytest.mark.parametrize("score", ["xsim", "both"])
def test_filter_ranks_by_xsim_or_both_and_reports_agreement(score, tiny_encoder, tmp_path, articles_file, mt_server):
    result = run_filter(
        FilterConfig(
            input=articles_file,
            out=tmp_path / "out",
            keep=10,
            translator="libretranslate",
            translator_url=mt_server.url,
            cache=tmp_path / "c.sqlite",
            score=score,
            encoder=tiny_encoder,
        )
    )
    report = result.report
    name = {"xsim": "xsim", "both": "rank_mean"}[score]
    assert report.ranking_score == name and report.ranking_score_meaning
    values = [s.extra[name] for s in result.scored]
    assert values == sorted(values, reverse=True) and len(result.kept) == 10
    assert all("xsim" in s.extra for s in result.scored)
    assert report.cutoff == result.kept[-1].extra[name]
    if score == "xsim":
        assert all(s.back_summary is None and s.rt_score is None for s in result.scored)  # no round trip
        assert "back" not in report.translation and report.agreement is None
        assert values[0] == max(s.extra["xsim"] for s in result.scored)
    else:
        assert all(s.rt_score is not None for s in result.scored)  # rt_score stays round-trip ROUGE
        agreement = report.agreement
        assert 0 <= agreement.top_k_overlap <= 10 and -1 <= agreement.spearman <= 1
        assert all(0 <= v <= 1 for v in values)
    written = json.loads((tmp_path / "out" / "report.json").read_text())
    assert written["ranking_score"] == name and (written["agreement"] is None) == (score == "xsim")
