"""What the filter keeps: distinct samples only, translated ones only, NFC text; what it says about the rest."""

from __future__ import annotations

import dataclasses
import json
import unicodedata

import pytest

from cls_data.dataset.builder import BuildConfig, build_dataset
from cls_data.dataset.splits import SplitSizes
from cls_data.errors import ClsDataError
from cls_data.filter.run import FilterConfig, run_filter
from cls_data.records import CLSSample, read_jsonl, write_jsonl
from cls_data.text import normalize
from tests.support.articles import make_articles
from tests.support.cli import run_cli
from tests.support.fake_mt import FakeMT


def config(tmp_path, input, server, **overrides) -> FilterConfig:
    values = dict(
        input=input,
        out=tmp_path / "out",
        keep=10,
        translator="libretranslate",
        translator_url=server.url,
        cache=tmp_path / "cache.sqlite",
        backoff_base=0.01,
    )
    values.update(overrides)
    return FilterConfig(**values)


def test_repeated_summaries_are_kept_once_so_build_gets_the_k_it_asked_for(tmp_path, mt_server, monkeypatch):
    articles = make_articles(40)
    # Syndicated news: the same lead under other URLs, once in other case and spacing.
    copies = [
        dataclasses.replace(articles[i], id=f"copy{i}", url=f"https://mirror.vn/{i}", text=f"Bản khác {i}.")
        for i in range(3)
    ]
    copies[1].summary = "  " + copies[1].summary.upper()
    write_jsonl(tmp_path / "articles.jsonl", articles + copies)
    result = run_filter(config(tmp_path, tmp_path / "articles.jsonl", mt_server, keep=40))
    assert "dropped 3 samples that repeat a better-ranked one" in result.notes[0]
    summaries = [normalize(s.summary).casefold() for s in result.kept]
    assert len(result.kept) == 40 and len(set(summaries)) == 40
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["counts"]["duplicates"] == 3 and report["duplicates"] == {"duplicate summary": 3}
    assert report["counts"]["scored"] == 43  # scored.jsonl still holds every translated sample

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    sizes = SplitSizes.parse("train=20,validation=10,test=10,subsets=10")
    built = build_dataset(BuildConfig("vi2zh", [tmp_path / "out" / "kept.jsonl"], tmp_path / "ds", sizes=sizes))
    assert built.dropped == {} and built.split_rows["train"] == 20


def test_rejected_answers_are_reported_by_reason(tmp_path, articles_file):
    with FakeMT(echo_rate=0.3) as server:
        run_filter(config(tmp_path, articles_file, server, keep=40))
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["rejects"]["echo of the source"] > 0
    assert report["rejects"]["echo of the source"] == sum(
        p["rejects"].get("echo of the source", 0) for p in report["translation"].values()
    )


def test_keep_is_optional_with_a_threshold_and_one_of_them_is_required(tmp_path, articles_file, mt_server):
    result = run_filter(config(tmp_path, articles_file, mt_server, keep=None, min_rouge1=0.7))
    assert result.kept and len(result.kept) == sum(s.rt_scores["rouge1"] >= 0.7 for s in result.scored)
    with pytest.raises(ClsDataError, match="say what to keep: --keep K"):
        run_filter(config(tmp_path, articles_file, mt_server, keep=None))
    with pytest.raises(ClsDataError, match="--keep must be 1 or more, got 0"):
        run_filter(config(tmp_path, articles_file, mt_server, keep=0))


def test_nfd_input_comes_out_nfc(tmp_path, mt_server):
    articles = make_articles(20)
    for article in articles:
        article.summary = unicodedata.normalize("NFD", article.summary)
        article.text = unicodedata.normalize("NFD", article.text)
    write_jsonl(tmp_path / "nfd.jsonl", articles)
    run_filter(config(tmp_path, tmp_path / "nfd.jsonl", mt_server, keep=20))
    kept = list(read_jsonl(tmp_path / "out" / "kept.jsonl", CLSSample))
    fields = [getattr(s, f) for s in kept for f in ("summary", "text", "cls_summary", "back_summary")]
    assert len(kept) == 20 and all(unicodedata.is_normalized("NFC", value) for value in fields)


def run(*args):
    return run_cli(*args, timeout=120)


def test_a_run_that_keeps_nothing_does_not_exit_0(tmp_path, articles_file):
    with FakeMT(echo_rate=1.0, echo_always=True) as server:  # every answer is the source: nothing is translated
        done = run(
            "filter",
            articles_file,
            "--keep",
            "5",
            "--out",
            tmp_path / "out",
            "--translator",
            "libretranslate",
            "--translator-url",
            server.url,
            "--cache",
            tmp_path / "c.sqlite",
            "--quiet",
        )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (  # the commonest reason named, not only the file
        "error: nothing kept: no summary could be translated (40 of 40: rejected answer: echo of the source "
        f"(3 tries); see {tmp_path / 'out' / 'failures.jsonl'})"
    )
    assert "rejected answers (not cached, asked again): echo of the source" in done.stdout


def test_cli_keep_is_optional_with_a_threshold(tmp_path, articles_file, mt_server):
    common = [
        "--out",
        tmp_path / "out",
        "--translator",
        "libretranslate",
        "--translator-url",
        mt_server.url,
        "--cache",
        tmp_path / "c.sqlite",
        "--quiet",
    ]
    done = run("filter", articles_file, "--min-rouge1", "0.7", *common)
    assert done.returncode == 0, done.stderr
    neither = run("filter", articles_file, *common)
    assert neither.returncode == 2 and neither.stderr.strip().startswith("error: say what to keep")


def test_cli_summary_counts_duplicates_apart_from_thresholds(tmp_path, mt_server):
    articles = make_articles(20)
    copies = [
        dataclasses.replace(articles[i], id=f"copy{i}", url=f"https://mirror.vn/{i}", text=f"Bản khác {i}.")
        for i in range(2)
    ]
    write_jsonl(tmp_path / "articles.jsonl", articles + copies)
    done = run(
        "filter",
        tmp_path / "articles.jsonl",
        "--keep",
        "5",
        "--out",
        tmp_path / "out",
        "--translator",
        "libretranslate",
        "--translator-url",
        mt_server.url,
        "--cache",
        tmp_path / "c.sqlite",
        "--quiet",
    )
    assert done.returncode == 0, done.stderr
    summary = " ".join(done.stdout.split())
    assert "kept 5 of 22 scored, 2 duplicates dropped (22 read" in summary and "passed the thresholds" not in summary


def test_garbled_translations_with_replacement_characters_are_never_cached_or_kept(tmp_path, articles_file):
    import sqlite3

    with FakeMT(garble_rate=0.3) as server:  # "H时\ufffd": passes a script-share rule as Chinese
        result = run_filter(config(tmp_path, articles_file, server, keep=40))
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    rejected = {
        name: stats["rejects"].get("replacement characters (U+FFFD)", 0)
        for name, stats in report["translation"].items()
    }
    assert rejected["forward"] > 0 and rejected["back"] > 0  # asked again, not kept
    with sqlite3.connect(tmp_path / "cache.sqlite") as db:
        cached = [row[0] for row in db.execute("SELECT translation FROM translations")]
    assert cached and not any("\ufffd" in text for text in cached)
    kept = list(read_jsonl(tmp_path / "out" / "kept.jsonl", CLSSample))
    assert len(kept) == len(result.kept) == 40
    assert not any("\ufffd" in sample.cls_summary + sample.back_summary for sample in kept)
