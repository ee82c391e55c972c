"""A pair other than vi/zh/en, with no code for it: German -> English news builds as a Hub folder like Vi2ZhLow,
loads offline with `datasets`, has its card and statistics, and trains in the smoke preset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cls_data.records import CLSSample, stable_id, write_jsonl

pytestmark = pytest.mark.usefixtures("offline_hub")
NEWS = Path(__file__).parents[1] / "data" / "news_de_en.tsv"
SIZES = "train=10,validation=3,test=3,subsets=5"


def german_samples() -> list[CLSSample]:
    rows = [line.split("\t") for line in NEWS.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    samples = []
    for i, (lead, english) in enumerate(rows):
        url = f"https://nachrichten.example.de/artikel-{i}.html"
        text = f"{lead} Weitere Einzelheiten nannten die Behörden am Abend zunächst nicht; Meldung Nummer {i}."
        samples.append(
            CLSSample(
                id=stable_id(url),
                url=url,
                site="nachrichten.example.de",
                text=text,
                summary=lead,
                cls_summary=english,
                src_lang="de",
                tgt_lang="en",
                published="2024-05-02T08:00:00+02:00",
                crawled_at="2024-06-01T10:00:00+00:00",
                rt_score=0.5 + i / 100,
            )
        )
    return samples


@pytest.fixture(scope="module")
def de2en(tmp_path_factory) -> Path:
    from tests.support.corpora import run_cli

    out = tmp_path_factory.mktemp("pair")
    write_jsonl(out / "kept.jsonl", german_samples())
    done = run_cli(
        "build", "pair", str(out / "kept.jsonl"), "--src", "de", "--tgt", "en", "--out", str(out), "--sizes", SIZES
    )
    assert done.returncode == 0, done.stderr
    assert f"wrote {out / 'De2EnLow'}" in done.stdout
    return out / "De2EnLow"


def test_the_pair_folder_loads_offline_with_its_card_and_statistics(de2en):
    import datasets

    loaded = datasets.load_dataset(str(de2en))
    assert {name: len(split) for name, split in loaded.items()} == {
        "train": 10,
        "train_5": 5,
        "validation": 3,
        "test": 3,
    }
    assert loaded["test"][0]["summary"] in NEWS.read_text(encoding="utf-8")
    card = (de2en / "README.md").read_text(encoding="utf-8")
    assert "German-to-English" in card and "- de\n" in card and "- en\n" in card and "Vietnamese" not in card
    info = json.loads((de2en / "build_info.json").read_text())
    assert (info["kind"], info["src_lang"], info["tgt_lang"]) == ("pair", "de", "en")
    stats = json.loads((de2en / "stats.json").read_text())
    assert set(stats["train"]["cls_summary"]) == {"avg_words"} and stats["train"]["docs"] == 10


def test_a_pair_needs_known_distinct_languages_in_one_line(tmp_path):
    from tests.support.corpora import run_cli

    write_jsonl(tmp_path / "kept.jsonl", german_samples())
    for args, message in (
        (["--src", "de"], "needs --src and --tgt"),
        (["--src", "de", "--tgt", "xx"], "unknown language 'xx'"),
        (["--src", "de", "--tgt", "de"], "both German"),
        (["--src", "de", "--tgt", "en", "--name", "../De2En"], "--name '../De2En'"),
    ):
        done = run_cli("build", "pair", str(tmp_path / "kept.jsonl"), *args, "--out", str(tmp_path), "--sizes", SIZES)
        assert done.returncode != 0 and message in done.stderr and "Traceback" not in done.stderr
    done = run_cli(
        "build",
        "pair",
        str(tmp_path / "kept.jsonl"),
        "--src",
        "fr",
        "--tgt",
        "en",
        "--out",
        str(tmp_path),
        "--sizes",
        SIZES,
    )
    assert done.returncode != 0 and "de->en, but `build pair` needs fr->en" in done.stderr


def test_the_pair_trains_and_scores_in_the_smoke_preset_with_its_languages(de2en, tmp_path):
    pytest.importorskip("torch")
    from cls_data.benchmark.context import RunContext, RunSpec
    from cls_data.benchmark.runs import run_or_record
    from tests.benchmark.conftest import TINY_PRESET

    run = RunSpec(str(de2en), "De2EnLow", "mbart-cls", None, None, 5, 0)
    assert run_or_record(run, RunContext(out=tmp_path, preset=TINY_PRESET)) == ("done", None)
    metrics = json.loads((tmp_path / run.rel_dir / "metrics.json").read_text())
    assert metrics["tokenizer"] == "en" and metrics["n_test"] == TINY_PRESET.max_test_samples
    config = json.loads((tmp_path / run.rel_dir / "config.json").read_text())
    assert (config["src_lang"], config["tgt_lang"]) == ("de", "en")


def test_mbart_codes_come_from_the_languages_and_a_code_the_backbone_lacks_is_one_error(tmp_path):
    pytest.importorskip("torch")
    from cls_data.benchmark.families.mbart import build_tiny_mbart, mbart_codec
    from cls_data.errors import ClsDataError

    texts = [s.text for s in german_samples()] + [s.cls_summary for s in german_samples()]
    backbone = build_tiny_mbart(texts, tmp_path / "tiny", vocab_size=200, d_model=16, layers=1, heads=2, ffn=32)
    codec = mbart_codec(backbone, "de", "en")
    assert (codec.src_code, codec.tgt_code) == ("de_DE", "en_XX")
    with pytest.raises(ClsDataError, match="no language code id_ID"):  # the smoke mBART has cc25's 25 codes
        mbart_codec(backbone, "id", "en")
