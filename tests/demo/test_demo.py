"""`cls-data demo` end to end: real spiders, real filter (cache only), real build, reruns that reuse."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cls_data.demo import GRID, KEEP, SPLIT_SIZES, run_demo
from cls_data.demo import run as demo_run
from cls_data.demo.corpus import Sample, load_sample
from cls_data.errors import ClsDataError
from cls_data.records import Article, CLSSample, read_jsonl
from tests.demo.conftest import QUICK_VARIANTS


def test_the_real_spiders_crawl_every_sample_article_through_the_sites_own_selectors(demo_runs):
    first, _, _ = demo_runs
    sample = load_sample()
    crawled = {a.url: a for a in read_jsonl(first.articles, Article)}
    assert set(crawled) == {a.url for a in sample.articles}  # the real sites' URLs, not the mirror's
    for article in sample.articles:
        got = crawled[article.url]
        assert (got.site, got.title, got.summary) == (article.site, article.title, article.sapo)  # "TTO - " removed
        assert got.text == "\n".join(article.body)  # related boxes and bylines left out
        assert got.published == article.published.isoformat() and got.category == article.category
    summary = json.loads(first.crawl_summary.read_text(encoding="utf-8"))
    assert {site: s["articles"] for site, s in summary["sites"].items()} == {"vnexpress": 30, "tuoitre": 30}
    rules = {site: {field: set(r) for field, r in s["rules"].items()} for site, s in summary["sites"].items()}
    assert rules["vnexpress"]["summary"] == {"p.description"} and rules["tuoitre"]["summary"] == {"h2.detail-sapo"}
    assert rules["vnexpress"]["text"] == {"article.fck_detail p.Normal"} and rules["tuoitre"]["text"] == {
        "div.detail-content"
    }
    assert not any(s["dropped"] or s["errors"] for s in summary["sites"].values())


def test_the_filter_drops_exactly_the_poor_round_trips_and_sends_no_translation_request(demo_runs):
    first, _, _ = demo_runs
    sample = load_sample()
    report = json.loads(first.filter_report.read_text(encoding="utf-8"))
    assert report["requests_sent"] == 0 and report["counts"]["failed"] == 0
    assert report["cache_hits"] == 2 * len(sample.articles)  # both directions, every one from the cache
    assert first.counts["translation_requests"] == 0
    assert set(first.dropped) == sample.poor and len(sample.poor) == len(sample.articles) - KEEP
    kept = list(read_jsonl(first.kept, CLSSample))
    assert len(kept) == KEEP and not {s.summary for s in kept} & sample.poor
    by_vi = {t.vi: t for t in sample.translations}
    assert all(s.cls_summary == by_vi[s.summary].zh and s.back_summary == by_vi[s.summary].back for s in kept)
    assert first.histogram.stat().st_size > 0 and first.failures.read_text(encoding="utf-8") == ""


def test_the_dataset_has_vi2zhlow_shape_scaled_down_and_loads_offline(demo_runs, monkeypatch, tmp_path):
    first, _, _ = demo_runs
    for key, value in {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}.items():
        monkeypatch.setenv(key, value)
    import datasets
    import pyarrow.parquet as pq

    # A fresh cache_dir, not only HF_HOME: datasets reads HF_HOME once, at its first import in this
    # process, and (datasets 5.2) caches a local folder under a key made from the card's YAML alone,
    # so an earlier Vi2ZhLow folder's rows would come back.
    loaded = datasets.load_dataset(str(first.dataset), cache_dir=str(tmp_path / "hf-datasets"))
    on_disk = pq.read_table(next((first.dataset / "data").glob("test-*.parquet"))).column("id").to_pylist()
    assert loaded["test"]["id"] == on_disk  # this folder's rows, not a cached copy of another one
    expected = {
        "train": SPLIT_SIZES["train"],
        **{f"train_{n}": n for n in SPLIT_SIZES["subsets"]},
        "validation": SPLIT_SIZES["validation"],
        "test": SPLIT_SIZES["test"],
    }
    assert {name: split.num_rows for name, split in loaded.items()} == expected == first.split_rows
    assert set(loaded["train"].column_names) == {"id", "text", "summary", "cls_summary", "url"}
    assert set(loaded["train_10"]["id"]) < set(loaded["train_20"]["id"]) < set(loaded["train"]["id"])
    card = first.dataset_card.read_text(encoding="utf-8")
    assert "hand-written sample translations" in card and "vnexpress (" in card and "tuoitre (" in card


def test_the_smoke_benchmark_writes_a_complete_run_folder_per_run_of_the_grid(demo_runs):
    first, _, _ = demo_runs
    runs = first.benchmark_runs
    assert sorted(runs) == sorted(
        [
            "Vi2ZhLow/mbart-cls/n30/seed0",
            "Vi2ZhLow/tflcls/sum/n30/seed0",
            "Vi2ZhLow/tflcls/hu/n30/seed0",
            "Vi2ZhLow/tflcls/rhu/n30/seed0",
            "Vi2ZhLow/tflcls/tflcls/r2/n30/seed0",
            "Vi2ZhLow/tflcls/tflcls/r2.5/n30/seed0",
        ]
    )
    assert first.failed_runs == []
    test_ids = _test_ids(first.dataset)
    for rel in runs:
        folder = first.runs / rel
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        assert config["preset"] == "smoke" and config["dataset"] == "Vi2ZhLow" and config["train_size"] == 30
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        assert metrics["tokenizer"] == "zh" and 0 <= metrics["test"]["rouge2"] <= 1
        predictions = [
            json.loads(line) for line in (folder / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        assert [p["id"] for p in predictions] == test_ids[: len(predictions)] and predictions
    rows = json.loads((first.runs / "results.json").read_text(encoding="utf-8"))
    assert sorted(r["run_dir"] for r in rows) == sorted(runs) and {r["status"] for r in rows} == {"done"}
    assert (
        first.runs / "Vi2ZhLow" / "stage1-translation" / "n30" / "seed0" / "metrics.json"
    ).exists()  # shared, trained once


def test_the_report_has_tables_2_and_3_both_figures_the_case_study_and_a_card_per_run(demo_runs):
    first, _, _ = demo_runs
    results = first.results_md.read_text(encoding="utf-8")
    assert "### Table 2" in results and "### Table 3" in results and "Which model should I train?" in results
    figures = {p.name for p in first.figures.glob("*.png")}
    assert figures == {"figure4_ablation_Vi2ZhLow.png", "figure5_r_sweep_Vi2ZhLow.png"}
    assert len(list((first.figures / "curves").glob("*.png"))) == len(first.benchmark_runs)
    page = first.case_study.read_text(encoding="utf-8")
    assert "mbart-cls" in page and "tflcls" in page
    assert {str(p.parent.relative_to(first.model_cards)) for p in first.model_cards.rglob("README.md")} == set(
        first.benchmark_runs
    )
    assert first.answer and first.answer[0].startswith("Vi2ZhLow n=30")
    assert (
        "## in target language %" in results
        and "## LaSE" in results
        and "NOT LaBSE" in results.split("## LaSE")[1][:600]
    )
    assert any(line.startswith("in the target language: Vi2ZhLow n=30: ") for line in first.answer)
    assert any(line.startswith("LaSE x100 (a tiny random encoder built offline, NOT LaBSE") for line in first.answer)


def test_the_benchmark_trains_on_the_demos_dataset_even_when_another_vi2zhlow_is_in_the_datasets_cache(
    demo_runs, tmp_path, monkeypatch
):
    first, _, _ = demo_runs
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    # Another Vi2ZhLow (same card, other rows) loaded earlier into the user's datasets cache.
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "user-cache")
    decoy = tmp_path / "other" / "Vi2ZhLow"
    shutil.copytree(first.dataset, decoy)
    for file in (decoy / "data").glob("*.parquet"):
        table = pq.read_table(file)
        ids = pa.array([f"other-{i}" for i in range(table.num_rows)])
        pq.write_table(table.set_column(table.column_names.index("id"), "id", ids), file)
    datasets.load_dataset(str(decoy))

    from cls_data.benchmark.grid import run_grid

    grid = dataclasses.replace(
        GRID, datasets=(str(first.dataset),), variants=("mbart-cls",), weightings=(), train_sizes=(30,)
    )
    outcome = run_grid(grid, tmp_path / "runs", on_progress=lambda *a: None)
    assert outcome.done == ["Vi2ZhLow/mbart-cls/n30/seed0"] and outcome.failed == []
    predictions = (tmp_path / "runs" / outcome.done[0] / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
    test_ids = _test_ids(first.dataset)
    assert [json.loads(line)["id"] for line in predictions] == test_ids[: len(predictions)]


def _test_ids(dataset: Path) -> list[str]:
    import pyarrow.parquet as pq

    return pq.read_table(next((dataset / "data").glob("test-*.parquet"))).column("id").to_pylist()


def test_a_rerun_into_the_same_folder_reuses_every_stage(demo_runs):
    first, second, events = demo_runs
    # every stage reused (what makes a rerun fast; its speed is measured in bench/, never asserted here)
    assert first.reused == [] and second.reused == ["crawl", "filter", "build", "benchmark", "report"]
    assert [e.message for e in events if e.message.startswith("reused")] == [
        "reused articles.jsonl: 60 articles",
        "reused filtered/: kept 50",
        "reused Vi2ZhLow/",
        "reused runs/: 6 runs",
        "reused report/",
    ]
    assert second.counts == first.counts and second.split_rows == first.split_rows and second.dropped == first.dropped
    assert second.answer == first.answer and second.benchmark_runs == first.benchmark_runs
    assert {e.stage for e in events} == {"crawl", "filter", "build", "benchmark", "report"}


def test_a_summary_missing_from_the_translation_cache_fails_loudly_without_reaching_a_network(
    demo_runs, tmp_path, monkeypatch
):
    first, _, _ = demo_runs
    out = tmp_path / "demo"
    out.mkdir()
    for name in ("articles.jsonl", "articles.jsonl.seen.sqlite", "articles.summary.json"):  # the crawl is reused
        (out / name).write_bytes((first.out_dir / name).read_bytes())
    sample = load_sample()
    short = Sample(sample.articles, sample.translations[1:])
    monkeypatch.setattr(demo_run, "load_sample", lambda: short)

    with pytest.raises(ClsDataError, match="1 summaries are missing from the sample's translation cache"):
        run_demo(out)
    failure = json.loads((out / "filtered" / "failures.jsonl").read_text(encoding="utf-8"))
    assert failure["text"] == sample.translations[0].vi and "503" in failure["error"]


def test_an_unknown_variant_stops_the_demo_before_the_crawl(tmp_path):
    with pytest.raises(ClsDataError, match="unknown variant 'nope'; choose one of: mbart-cls, tflcls"):
        run_demo(tmp_path / "demo", grid=dataclasses.replace(GRID, variants=("nope",)))
    assert not (tmp_path / "demo" / "articles.jsonl").exists()


def test_the_command_prints_where_everything_is(demo_runs):
    first, _, _ = demo_runs
    exe = Path(sys.executable).with_name("cls-data")
    proc = subprocess.run(
        [str(exe), "demo", "--out", str(first.out_dir), "--variants", ",".join(QUICK_VARIANTS)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(first.out_dir.parent)},
    )
    assert proc.returncode == 0, proc.stderr
    for what, path in first.artefacts():
        assert what in proc.stdout and path.name in proc.stdout
    assert "reused from an earlier run: crawl, filter, build, benchmark, report" in proc.stdout
    assert "6 of 6 benchmark runs finished" in proc.stdout and first.answer[0] in proc.stdout
    assert "50 kept, 10 dropped" in proc.stdout and "0 translation requests" in proc.stdout
