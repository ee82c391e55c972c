"""`cls-data filter --src de --tgt en`: a pair beyond vi/zh/en filtered with no code for it; its ROUGE scheme
and language check come from languages.tsv."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cls_data.demo.corpus import Sample, fill_translation_cache
from cls_data.demo.mirror import MirrorServer
from cls_data.demo.pair import load_pair

CLI = [str(Path(sys.executable).with_name("cls-data"))]


def test_filter_round_trips_a_german_english_pair_from_the_cache_and_ranks_by_german_words(tmp_path):
    pair = load_pair("de-en")
    cache = tmp_path / "c.sqlite"
    with MirrorServer(Sample((), ())) as mirror:  # a LibreTranslate that refuses: every answer must come from the cache
        fill_translation_cache(cache, mirror.translator_url, list(pair.translations), src="de", tgt="en")
        done = subprocess.run(
            [
                *CLI,
                "filter",
                str(pair.articles),
                "--src",
                "de",
                "--tgt",
                "en",
                "--keep",
                "20",
                "--translator",
                "libretranslate",
                "--translator-url",
                mirror.translator_url,
                "--cache",
                str(cache),
                "--out",
                str(tmp_path / "out"),
                "--retries",
                "0",
                "--quiet",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    assert "kept 20 of 24 scored" in done.stdout and "requests sent 0" in done.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["tokenizer"] == "words"
    kept = [json.loads(line) for line in (tmp_path / "out" / "kept.jsonl").read_text().splitlines()]
    assert {(k["src_lang"], k["tgt_lang"]) for k in kept} == {("de", "en")}
    poor = {t.vi for t in pair.translations if t.poor}
    assert not poor & {k["summary"] for k in kept}  # the four drifting round trips are the ones dropped
