import csv
import json

import pytest

from cls_data.dataset.release import ReleaseConfig, build_release
from cls_data.dataset_folder import read_split
from cls_data.errors import ClsDataError
from cls_data.text import nfc
from tests.support.release import N_NOT_CHINESE, N_REPEATED
from tests.support.release_csv import write_release


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    folder = tmp_path_factory.mktemp("release") / "vi2zh"
    return folder, write_release(folder)


@pytest.fixture(scope="module")
def built(release, tmp_path_factory):
    folder, _ = release
    out = tmp_path_factory.mktemp("out")
    return build_release(ReleaseConfig(release=folder, out=out, commit="6045278b749b1032e2cafdb98b62a651208c4463")), out


def test_release_folder_has_the_papers_splits_in_file_order_with_first_rows_as_subsets(release, built):
    _, samples = release
    result, out = built
    folder = out / "Vi2ZhLow"
    assert result.split_rows == {
        "train": 5000,
        "train_1000": 1000,
        "train_3000": 3000,
        "validation": 3000,
        "test": 3000,
    }
    train = read_split(folder, "train").to_pylist()
    test = read_split(folder, "test").to_pylist()
    assert [row["text"] for row in train] == [nfc(s.text) for s in samples[:5000]]
    assert [row["cls_summary"] for row in test] == [nfc(s.cls_summary) for s in samples[8000:]]
    assert test[0]["id"] == "tflcls-test-00001" and test[-1]["id"] == "tflcls-test-03000"
    for n in (1000, 3000):
        assert read_split(folder, f"train_{n}").column("id").to_pylist() == [row["id"] for row in train[:n]]


def test_rows_the_paper_kept_are_flagged_not_dropped(built):
    result, out = built
    folder = out / "Vi2ZhLow"
    rows = [row for split in ("train", "validation", "test") for row in read_split(folder, split).to_pylist()]
    assert len(rows) == 11_000
    not_chinese = [row for row in rows if "Chinese summary not in Chinese" in row["flags"]]
    repeated = [row for row in rows if "Vietnamese summary repeated" in row["flags"]]
    assert len(not_chinese) == N_NOT_CHINESE and len(repeated) == 2 * N_REPEATED
    assert sum("kept by --clean" in row["flags"] for row in repeated) == N_REPEATED
    assert result.flagged["Chinese summary not in Chinese"] == N_NOT_CHINESE
    info = json.loads((folder / "build_info.json").read_text(encoding="utf-8"))
    assert info["source"] == "paper-release" and info["release"]["commit"].startswith("6045278b")
    assert info["release"]["two_target_files"] is True and len(info["inputs"]) == 9
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "6045278b749b1032e2cafdb98b62a651208c4463" in card and "Chinese summary not in Chinese: 17 rows" in card
    assert "`train_1000` | 1,000" in card and "--clean" in card


def test_clean_drops_flagged_rows_and_keeps_the_evaluation_copy_of_a_repeat(release, tmp_path):
    folder, _ = release
    result = build_release(ReleaseConfig(release=folder, out=tmp_path, clean=True))
    assert result.dropped == N_NOT_CHINESE + N_REPEATED
    test = read_split(tmp_path / "Vi2ZhLow", "test").to_pylist()
    train = read_split(tmp_path / "Vi2ZhLow", "train").to_pylist()
    assert all(not row["flags"] or "kept by --clean" in row["flags"] for row in test + train)
    assert result.split_rows["train_1000"] == 1000
    assert read_split(tmp_path / "Vi2ZhLow", "train_1000").column("id").to_pylist() == [r["id"] for r in train[:1000]]


def test_the_benchmark_opens_a_release_folder(built):
    from cls_data.benchmark.data import open_dataset

    _, out = built
    dataset = open_dataset(out / "Vi2ZhLow")
    assert (dataset.src_lang, dataset.tgt_lang, dataset.name) == ("vi", "zh", "Vi2ZhLow")
    assert len(dataset.split("train_1000", ("id", "text", "cls_summary"))) == 1000


def _small(tmp_path, **kwargs):
    folder = tmp_path / "vi2zh"
    write_release(folder, sizes=(100, 50, 50), **kwargs)
    return folder


def test_missing_file_is_one_clear_line(tmp_path, run_cli):
    folder = _small(tmp_path, two_targets=False)
    (folder / "val_vi2zh_cls_dataset.csv").unlink()
    result = run_cli("build", "vi2zh", "--release", str(folder), "--out", str(tmp_path / "out"))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "val_vi2zh_cls_dataset.csv: no such file" in result.stderr
    assert not (tmp_path / "out" / "Vi2ZhLow").exists()


def test_missing_column_names_the_file_and_its_header(tmp_path):
    folder = _small(tmp_path, two_targets=False)
    path = folder / "test_vi2zh_tra_dataset.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("src,tgt", "source,tgt", 1), encoding="utf-8")
    with pytest.raises(ClsDataError, match=r"test_vi2zh_tra_dataset.csv: no column 'src' \(its header: source, tgt\)"):
        build_release(ReleaseConfig(release=folder, out=tmp_path / "out"))


def test_two_target_file_that_disagrees_with_the_others_is_refused(tmp_path):
    folder = _small(tmp_path)
    path = folder / "val_vi2vizh_sum_dataset.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[3][1] = rows[3][1].replace("O.o", "O.o这不是同一行")
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    with pytest.raises(ClsDataError, match="val_vi2vizh_sum_dataset.csv: row 3"):
        build_release(ReleaseConfig(release=folder, out=tmp_path / "out"))
    (folder / "val_vi2vizh_sum_dataset.csv").unlink()
    with pytest.raises(ClsDataError, match="give all three or none"):
        build_release(ReleaseConfig(release=folder, out=tmp_path / "out"))


def test_a_small_release_builds_through_the_cli_without_subsets_it_cannot_fill(tmp_path, run_cli):
    folder = _small(tmp_path)
    result = run_cli("build", "vi2zh", "--release", str(folder), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "split test" in result.stdout and "checked" in result.stdout
    info = json.loads((tmp_path / "out" / "Vi2ZhLow" / "build_info.json").read_text(encoding="utf-8"))
    assert info["splits"] == {"train": 100, "validation": 50, "test": 50}
    assert any("no train_1000" in note for note in info["notes"])
    wrong = run_cli("build", "en2zh", "--release", str(folder), "--out", str(tmp_path / "o2"))
    assert wrong.returncode != 0 and "cls-data build vi2zh --release" in wrong.stderr
