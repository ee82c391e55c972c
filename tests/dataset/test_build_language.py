"""`build` drops what cannot be published (a summary not in its language), counts it and lists it."""

from __future__ import annotations

import json

import pytest

from cls_data.dataset.builder import BuildConfig, build_dataset
from cls_data.dataset.splits import SplitSizes
from cls_data.errors import ClsDataError
from cls_data.records import write_jsonl
from tests.support import release

SIZES = SplitSizes(train=50, validation=20, test=20, subsets=(10, 30))  # 90 samples


def test_the_papers_release_builds_4900_3000_3000_and_says_it_dropped_17(tmp_path, gen):
    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, release.release_samples())  # 11,000 pairs: 17 not Chinese, 59 repeated summaries
    proc = gen.run_cli("build", "vi2zh", str(kept), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "17 dropped: Chinese summary not in Chinese" in proc.stdout
    assert "train has 4,900 (validation and test are full)" in " ".join(proc.stderr.split())
    folder = tmp_path / "out" / "Vi2ZhLow"
    info = json.loads((folder / "build_info.json").read_text(encoding="utf-8"))
    assert info["splits"] == {"train": 4900, "train_1000": 1000, "train_3000": 3000, "validation": 3000, "test": 3000}
    assert info["dropped"]["Chinese summary not in Chinese"] == 17 and info["dropped"]["duplicate summary"] == 59
    assert "17 dropped: Chinese summary not in Chinese" in (folder / "README.md").read_text(encoding="utf-8")
    rejects = [json.loads(line) for line in (tmp_path / "out" / "Vi2ZhLow.rejects.jsonl").read_text().splitlines()]
    assert sorted(r["cls_summary"] for r in rejects) == sorted(
        [*release.ENGLISH, release.NOT_CHINESE_ODD, *release.LATIN_CROWDED]
    )  # the rule's known limit: 2 of 17
    assert {r["reason"] for r in rejects} == {"Chinese summary not in Chinese"} and all(
        r["id"] and r["text"] for r in rejects
    )
    published = set(json.loads((folder / "ids.json").read_text())["splits"]["train"])
    assert not published & {r["id"] for r in rejects}
    manifest = json.loads((folder / "ids.json").read_text())
    assert manifest["sizes"].startswith("train=4900,")  # a rebuild from the manifest gives the same splits


def test_chinese_naming_vietnamese_companies_and_people_is_kept():
    samples = release.release_samples(600)
    named = [
        s
        for s in samples
        if any(name in s.cls_summary for name in release.NAMED)
        and s.cls_summary not in (*release.ENGLISH, *release.LATIN_CROWDED)
    ]
    assert named, "the stand-in holds good Chinese sentences that name Vietnamese companies"
    from cls_data.dataset.kinds import get_kind
    from cls_data.dataset.publishable import language_drop

    assert all(language_drop(s, get_kind("vi2zh")) is None for s in named)


def test_a_summary_not_in_the_source_language_is_dropped_too_and_a_clean_rebuild_removes_the_rejects(tmp_path, gen):
    samples = gen.vi_samples(95)
    samples[3].summary = "The Ministry of Construction issued new guidance on social housing quality today."
    samples[4].cls_summary = "Hanoi&apos;s People&apos;s Committee approved the plan to build a second ring road."
    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, samples)
    result = build_dataset(BuildConfig("vi2zh", [kept], tmp_path / "out", sizes=SIZES))
    assert result.unpublishable == {"Vietnamese summary not in Vietnamese": 1, "Chinese summary not in Chinese": 1}
    assert sum(result.split_rows[s] for s in ("train", "validation", "test")) == 90
    lines = [json.loads(line) for line in result.rejects.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["reason"]) for r in lines] == [
        (samples[3].id, "Vietnamese summary not in Vietnamese"),
        (samples[4].id, "Chinese summary not in Chinese"),
    ]
    write_jsonl(kept, [s for i, s in enumerate(samples) if i not in (3, 4)])
    result = build_dataset(BuildConfig("vi2zh", [kept], tmp_path / "out", sizes=SIZES))
    assert result.rejects is None and not (tmp_path / "out" / "Vi2ZhLow.rejects.jsonl").exists()  # no stale list


def test_strict_stops_on_the_first_language_problem_and_writes_no_rejects(tmp_path, gen):
    samples = gen.vi_samples(95)
    samples[7].summary = "Police in Da Nang arrested three people for running an online gambling ring."
    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, samples)
    with pytest.raises(
        ClsDataError,
        match=r"^1 of 95 samples cannot be published \(Vietnamese summary not in "
        rf"Vietnamese, e\.g\. id {samples[7].id}: summary 'Police in Da Nang",
    ):
        build_dataset(BuildConfig("vi2zh", [kept], tmp_path / "out", sizes=SIZES, strict=True))
    assert not (tmp_path / "out" / "Vi2ZhLow.rejects.jsonl").exists() and not (tmp_path / "out" / "Vi2ZhLow").exists()


def test_explicit_sizes_that_the_input_cannot_fill_still_fail(tmp_path):
    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, release.release_samples(500))
    sizes = SplitSizes(train=300, validation=100, test=100, subsets=(100,))  # 500 asked, ~496 publishable
    with pytest.raises(ClsDataError, match="too little data: .* after removing .* unpublishable record"):
        build_dataset(BuildConfig("vi2zh", [kept], tmp_path / "out", sizes=sizes))
    assert not list(tmp_path.glob("out/.*rejects*")) and not (tmp_path / "out" / "Vi2ZhLow.rejects.jsonl").exists()


def test_garbled_summaries_are_dropped_with_the_reason_even_where_the_script_rule_would_pass_them(tmp_path, gen):
    samples = gen.vi_samples(95)
    samples[2].cls_summary = "H时\ufffd"  # half Han: the script rule alone takes it for Chinese
    samples[5].summary = "Hà Nội \ufffd\ufffd\ufffd mưa to"
    samples[6].cls_summary = "■■■ ... ■■■ !!!"
    samples[8].cls_summary = "河内\x07下大雨"
    kept = tmp_path / "kept.jsonl"
    write_jsonl(kept, samples)
    result = build_dataset(BuildConfig("vi2zh", [kept], tmp_path / "out", sizes=SIZES))
    assert result.unpublishable == {
        "Chinese summary not in Chinese (replacement characters (U+FFFD))": 1,
        "Vietnamese summary not in Vietnamese (replacement characters (U+FFFD))": 1,
        "Chinese summary not in Chinese (mostly not letters)": 1,
        "Chinese summary not in Chinese (control characters)": 1,
    }
    lines = [json.loads(line) for line in result.rejects.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["id"] for r in lines) == sorted(samples[i].id for i in (2, 5, 6, 8))
