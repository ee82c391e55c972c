"""`cls-data build` as a user runs it: the summary says what was dropped and why; errors are one line."""

import dataclasses
import json

import pytest

from cls_data.records import write_jsonl

pytestmark = pytest.mark.usefixtures("offline_hub")


def test_summary_reports_drops_splits_and_output_path(tmp_path, gen):
    samples = gen.vi_samples(100)
    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, samples + [dataclasses.replace(samples[4], id="copy", text=samples[4].text.upper())])
    done = gen.run_cli("build", "vi2zh", str(kept), "--out", str(tmp_path / "out"), "--sizes", gen.SMALL)
    assert done.returncode == 0, done.stderr
    assert "duplicate document" in done.stdout and "101 samples read" in done.stdout
    assert f"wrote {tmp_path / 'out' / 'Vi2ZhLow'}\n" in done.stdout
    for split, n in (("train", 50), ("train_10", 10), ("train_30", 30), ("validation", 20), ("test", 20)):
        assert any(
            f"split {split} " in line and line.rstrip(" │").endswith(str(n)) for line in done.stdout.splitlines()
        )
    assert "leakage" in done.stdout
    stats = gen.run_cli("stats", str(tmp_path / "out" / "Vi2ZhLow"), "--json")
    assert stats.returncode == 0, stats.stderr
    table = json.loads(stats.stdout.splitlines()[-1])
    assert table["train"]["docs"] == 50 and table["test"]["cls_summary"] == {"avg_chars": 30.0}


def test_too_little_data_is_one_error_line_and_no_folder(tmp_path, gen):
    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, gen.vi_samples(40))
    done = gen.run_cli("build", "vi2zh", str(kept), "--out", str(tmp_path / "out"), "--sizes", gen.SMALL)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0] == done.stderr.splitlines()[-1]  # progress lines come before it
    assert errors[0].startswith("error: too little data") and "needs 90" in errors[0] and "has 40" in errors[0]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_malformed_ncls_blocks_are_listed_on_stderr(tmp_path, gen):
    folder = gen.write_en2zh(tmp_path / "ncls")
    done = gen.run_cli("build", "en2zh", str(folder), "--out", str(tmp_path / "out"), "--sizes", gen.SMALL)
    assert done.returncode == 0, done.stderr
    assert "malformed blocks" in done.stdout
    skipped = [line for line in done.stderr.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == 2 and all("EN2ZHSUM_train.txt:" in line for line in skipped)


def test_public_push_of_ncls_text_is_refused_before_building(tmp_path, gen):
    folder = gen.write_en2zh(tmp_path / "ncls")
    done = gen.run_cli(
        "build",
        "en2zh",
        str(folder),
        "--out",
        str(tmp_path / "out"),
        "--sizes",
        gen.SMALL,
        "--push-to-hub",
        "someone/En2ZhLow",
    )
    assert done.returncode == 2
    assert "refusing to push NCLS-derived text to a public repo" in done.stderr
    assert "hf_secret_test_token" not in done.stdout + done.stderr
    assert not (tmp_path / "out").exists()


def test_bad_sizes_option_is_one_error_line(tmp_path, gen, kept_jsonl):
    done = gen.run_cli(
        "build", "vi2zh", str(kept_jsonl), "--out", str(tmp_path / "out"), "--sizes", "train=10,subsets=20"
    )
    assert done.returncode == 2 and done.stderr.startswith("error: --sizes") and done.stderr.strip().count("\n") == 0


def test_an_unusable_out_is_one_line_before_any_work(tmp_path, gen, kept_jsonl):
    (tmp_path / "taken").write_text("")
    done = gen.run_cli("build", "vi2zh", str(kept_jsonl), "--out", str(tmp_path / "taken"), "--sizes", gen.SMALL)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: --out {tmp_path / 'taken'}: {tmp_path / 'taken'} is a file, not a folder"
    ]


def test_ncls_files_naming_their_summaries_otherwise_build_with_tags(tmp_path, gen):
    folder = gen.write_en2zh(tmp_path / "ncls")
    for path in folder.glob("*.txt"):
        path.write_text(
            path.read_text(encoding="utf-8").replace("EN-REF", "ENGLISH").replace("ZH-REF", "CHINESE"), encoding="utf-8"
        )
    args = ["build", "en2zh", str(folder), "--out", str(tmp_path / "out"), "--sizes", gen.SMALL]
    failed = gen.run_cli(*args)
    message = " ".join(failed.stderr.split())
    assert failed.returncode != 0 and "error: " in message and "Traceback" not in message
    assert "<ENGLISH-1>" in message and "--tags en=NAME,zh=NAME" in message
    built = gen.run_cli(*args, "--tags", "en=ENGLISH,zh=CHINESE")
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "out" / "En2ZhLow" / "README.md").exists()
