"""Round-trip scoring, ranking, selection, input errors and the report."""

from __future__ import annotations

import dataclasses
import json

import pytest
from rouge_score import rouge_scorer

from cls_data.errors import ClsDataError
from cls_data.filter.run import FilterConfig, run_filter
from cls_data.filter.select import rank, score_roundtrip, spearman
from cls_data.records import CLSSample, read_jsonl, write_jsonl
from cls_data.text import tokenize_vi
from cls_data.translate import TranslationCache


def config(tmp_path, articles_file, server, **overrides) -> FilterConfig:
    values = dict(
        input=articles_file,
        out=tmp_path / "out",
        keep=10,
        translator="libretranslate",
        translator_url=server.url,
        cache=tmp_path / "cache.sqlite",
        backoff_base=0.01,
    )
    values.update(overrides)
    return FilterConfig(**values)


def sample(id: str, summary: str, back: str) -> CLSSample:
    return CLSSample(id=id, text="t", summary=summary, src_lang="vi", tgt_lang="zh", back_summary=back)


class _VI:
    def tokenize(self, text):
        return tokenize_vi(text)


def test_round_trip_scores_equal_rouge_score_on_vietnamese_syllables():
    samples = [
        sample("a", "Hà Nội mưa to, đường ngập.", "Hà Nội mưa lớn, đường ngập nước."),
        sample("b", "Giá xăng tăng lần thứ ba", "xăng tăng giá"),
    ]
    score_roundtrip(samples, "vi", "mean")
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=_VI())
    for s in samples:
        expected = scorer.score(s.summary, s.back_summary)
        assert s.rt_scores == {m: expected[m].fmeasure for m in ("rouge1", "rouge2", "rougeL")}
        assert s.rt_score == pytest.approx(sum(s.rt_scores.values()) / 3)


def test_equal_scores_are_ranked_by_id_whatever_the_input_order():
    samples = [sample(i, "một hai ba", "một hai ba") for i in ("c", "a", "b")] + [sample("z", "một hai ba", "một")]
    score_roundtrip(samples, "vi", "rouge1")
    assert [s.id for s in rank(samples)] == ["a", "b", "c", "z"]
    assert [s.id for s in rank(samples[::-1])] == ["a", "b", "c", "z"]


def test_filter_writes_best_first_files_and_a_report(tmp_path, articles_file, mt_server):
    result = run_filter(config(tmp_path, articles_file, mt_server))
    out = tmp_path / "out"
    scored = list(read_jsonl(out / "scored.jsonl", CLSSample))
    kept = list(read_jsonl(out / "kept.jsonl", CLSSample))
    assert len(scored) == 40 and len(kept) == 10
    keys = [(-s.rt_score, s.id) for s in scored]
    assert keys == sorted(keys)
    assert [s.id for s in kept] == [s.id for s in scored[:10]]
    assert len({round(s.rt_score, 6) for s in scored}) > 5  # the fake round trip really differs
    first = kept[0]
    assert first.cls_summary and first.back_summary and set(first.rt_scores) == {"rouge1", "rouge2", "rougeL"}
    assert first.src_lang == "vi" and first.tgt_lang == "zh" and first.url.startswith("https://")
    assert first.extra["translator"] == "libretranslate"  # the dataset card names the backend from this
    report = result.report
    assert dataclasses.asdict(report.counts) == {
        "input": 40,
        "scored": 40,
        "failed": 0,
        "duplicates": 0,
        "passed_thresholds": 40,
        "kept": 10,
        "keep_requested": 10,
    }
    assert report.cutoff == pytest.approx(kept[-1].rt_score) and report.ranking_score == "rt_score"
    assert report.tokenizer == "vi" and report.requests_sent > 0
    written = json.loads((out / "report.json").read_text())  # one scale: [0, 1], as in the library
    assert written["cutoff"] == pytest.approx(report.cutoff) and 0 <= written["score_quantiles"]["max"] <= 1
    assert written["counts"] == dataclasses.asdict(report.counts) and written["requests_sent"] == report.requests_sent
    assert (out / "report.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "failures.jsonl").read_text() == ""
    assert result.notes == [] and written["notes"] == []


def test_keep_more_than_available_keeps_everything_with_a_warning(tmp_path, articles_file, mt_server):
    result = run_filter(config(tmp_path, articles_file, mt_server, keep=100))
    assert len(result.kept) == 40
    assert len(result.notes) == 1 and "only 40 distinct samples" in result.notes[0]
    assert json.loads((tmp_path / "out" / "report.json").read_text())["notes"] == result.notes


def test_rouge_thresholds_drop_samples_before_the_top_k(tmp_path, articles_file, mt_server):
    result = run_filter(config(tmp_path, articles_file, mt_server, keep=40, min_rouge1=0.7, min_rouge2=0.5))
    assert result.notes  # fewer than --keep passed
    assert result.kept and all(s.rt_scores["rouge1"] >= 0.7 and s.rt_scores["rouge2"] >= 0.5 for s in result.kept)
    failing = [s for s in result.scored if s.rt_scores["rouge1"] < 0.7 or s.rt_scores["rouge2"] < 0.5]
    assert failing and len(result.kept) == 40 - len(failing)


def test_clssample_input_is_accepted_and_rank_by_changes_the_order(tmp_path, articles_file, mt_server):
    first = run_filter(config(tmp_path, articles_file, mt_server, keep=40))
    write_jsonl(tmp_path / "samples.jsonl", first.scored)
    again = run_filter(
        config(tmp_path, tmp_path / "samples.jsonl", mt_server, keep=40, rank_by="rouge2", out=tmp_path / "out2")
    )
    assert sorted(s.id for s in again.scored) == sorted(s.id for s in first.scored)
    assert [s.rt_score for s in again.scored] == sorted((s.rt_scores["rouge2"] for s in again.scored), reverse=True)


def test_input_errors_stop_with_one_message_and_keep_the_cache(tmp_path, articles_file, mt_server):
    run_filter(config(tmp_path, articles_file, mt_server))
    cached = len(TranslationCache(tmp_path / "cache.sqlite"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text(articles_file.read_text() + "{not json\n")
    with pytest.raises(ClsDataError, match=r"bad.jsonl:41: invalid JSON"):
        run_filter(config(tmp_path, bad, mt_server))
    lines = articles_file.read_text().splitlines()
    record = json.loads(lines[3])
    record["summary"] = "  "
    bad.write_text("\n".join(lines[:3] + [json.dumps(record)]) + "\n")
    with pytest.raises(ClsDataError, match="record 4 .* has no summary"):
        run_filter(config(tmp_path, bad, mt_server))
    with pytest.raises(ClsDataError, match="does not know language 'th'"):
        run_filter(config(tmp_path, articles_file, mt_server, tgt="th"))
    with pytest.raises(ClsDataError, match="google backend"):
        run_filter(config(tmp_path, articles_file, mt_server, translator="google", tgt="xx"))
    (tmp_path / "a-file").write_text("")
    requests_before = len(mt_server.requests)
    with pytest.raises(ClsDataError, match="a-file: cannot write the outputs there"):
        run_filter(config(tmp_path, articles_file, mt_server, out=tmp_path / "a-file"))
    assert len(mt_server.requests) == requests_before  # refused before any translation request
    assert len(TranslationCache(tmp_path / "cache.sqlite")) == cached


def test_spearman_of_identical_and_reversed_rankings():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)


def test_fast_scores_equal_the_reference_rouge_bit_for_bit_serial_and_in_parallel():
    import random

    from cls_data.rouge import score_tokens

    rng = random.Random(3)
    words = "a b c d e f g h".split()
    samples = []
    for i in range(300):
        ref = " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        pred = " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        samples.append(sample(f"s{i}", ref, pred))
    parallel = [sample(s.id, s.summary, s.back_summary) for s in samples]
    score_roundtrip(samples, "vi", "mean", workers=1)
    score_roundtrip(parallel, "vi", "mean", workers=2)
    for s, p in zip(samples, parallel, strict=False):
        expected = score_tokens(tokenize_vi(s.back_summary), tokenize_vi(s.summary)).f1()
        assert s.rt_scores == expected == p.rt_scores
