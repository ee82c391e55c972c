"""The grid runner: run folders per the contract, shared stage-1 runs, skipping, failures, shards, results."""

from __future__ import annotations

import dataclasses
import json

import pytest

pytest.importorskip("torch")

from cls_data.benchmark import registry  # noqa: E402
from cls_data.benchmark.config import GridSpec, StageSpec, VariantSpec  # noqa: E402
from cls_data.benchmark.context import RunContext, RunSpec  # noqa: E402
from cls_data.benchmark.grid import expand, expand_all, load_grid_file, parse_shard, shard  # noqa: E402
from cls_data.benchmark.registry import get_variant, register_variant  # noqa: E402
from cls_data.benchmark.runs import run_or_record  # noqa: E402
from cls_data.errors import ClsDataError  # noqa: E402
from cls_data.report.writer import write_results  # noqa: E402
from tests.benchmark.conftest import TINY_PRESET  # noqa: E402
from tests.support.cls_dataset import build_cls_dataset  # noqa: E402

CONFIG_KEYS = {
    "variant",
    "dataset",
    "dataset_path",
    "dataset_fingerprint",
    "src_lang",
    "tgt_lang",
    "weighting",
    "r",
    "train_size",
    "seed",
    "preset",
    "model",
    "train",
    "decode",
    "versions",
    "created",
}
METRICS_KEYS = {
    "test",
    "tokenizer",
    "n_test",
    "empty_predictions",
    "best_epoch",
    "best_val_rouge2",
    "train_seconds",
    "decode_seconds",
    "train_samples_per_s",
    "decode_samples_per_s",
    "eval_on",
}
ROW_KEYS = {
    "dataset",
    "eval_dataset",
    "variant",
    "weighting",
    "r",
    "train_size",
    "seed",
    "status",
    "error",
    "rouge1",
    "rouge2",
    "rougeL",
    "tokenizer",
    "n_test",
    "train_seconds",
    "decode_seconds",
    "samples_per_s",
    "run_dir",
    "val_rouge2",
    "preset",
    "preset_faithful",
    "preset_validated",
    "preset_status",
    "test_weights",
    "paper_rouge",
    "empty_predictions",
    "separator_missing",
    "wrong_language",
}


def run_spec(dataset_dir, variant, weighting=None, r=None, size=8):
    return RunSpec(str(dataset_dir), "Vi2ZhLow", variant, weighting, r, size, 0)


@pytest.fixture(scope="module")
def other_dataset(tmp_path_factory):
    """A second built dataset (other pairs) under another name, for --eval-on."""
    built = build_cls_dataset(
        tmp_path_factory.mktemp("other"), train=12, validation=4, test=4, subsets=(4,), seed=7, text_words=24
    )
    return built.rename(built.with_name("Vi2ZhOOD"))


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory, dataset_dir, other_dataset):
    """One small grid of every mBART-family variant, run once for the tests below."""
    out = tmp_path_factory.mktemp("RUNS")
    ctx = RunContext(out=out, preset=TINY_PRESET, eval_on=(str(other_dataset), str(dataset_dir)))
    statuses = {}
    for run in [
        run_spec(dataset_dir, "mbart-cls"),
        run_spec(dataset_dir, "tflcls", "tflcls", 2.0),
        run_spec(dataset_dir, "tflcls-no-tra", "rhu"),
        run_spec(dataset_dir, "tflcls-no-mul"),
    ]:
        statuses[run.variant] = run_or_record(run, ctx)
        write_results(out)
    assert statuses == dict.fromkeys(statuses, ("done", None)), statuses
    return out


def test_every_mbart_family_variant_writes_a_complete_run_folder(runs_dir):
    for rel in [
        "mbart-cls/n8/seed0",
        "tflcls/tflcls/r2/n8/seed0",
        "tflcls-no-tra/rhu/n8/seed0",
        "tflcls-no-mul/n8/seed0",
    ]:
        run = runs_dir / "Vi2ZhLow" / rel
        config = json.loads((run / "config.json").read_text())
        metrics = json.loads((run / "metrics.json").read_text())
        assert CONFIG_KEYS <= set(config) and METRICS_KEYS <= set(metrics)
        assert (
            metrics["tokenizer"] == "zh"
            and metrics["n_test"] == 3
            and set(metrics["test"]) == {"rouge1", "rouge2", "rougeL"}
        )
        predictions = [json.loads(line) for line in (run / "predictions.jsonl").read_text().splitlines()]
        assert len(predictions) == 3 and set(predictions[0]) == {
            "id",
            "prediction",
            "reference",
            "rouge1",
            "rouge2",
            "rougeL",
        }
        assert (run / "predictions.Vi2ZhOOD.jsonl").exists() and set(metrics["eval_on"]) == {"Vi2ZhOOD"}
        assert metrics["eval_on"]["Vi2ZhOOD"]["n_test"] == 3 and "own dataset" in metrics["notes"][0]
        log = [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines()]
        assert {line["kind"] for line in log} == {"step", "epoch"}
        assert (run / "model" / "model.safetensors").exists() and not list(run.rglob("checkpoint.pt"))
        assert not run.with_name(run.name + ".work").exists()


def test_stage_one_is_trained_once_and_reused_by_tflcls_and_tflcls_no_mul(runs_dir):
    stage1 = runs_dir / "Vi2ZhLow" / "stage1-translation" / "n8" / "seed0"
    assert (stage1 / "model" / "model.safetensors").exists()
    assert {json.loads(line)["stage"] for line in (stage1 / "train_log.jsonl").read_text().splitlines()} == {
        "translation"
    }
    for rel in ["tflcls/tflcls/r2", "tflcls-no-mul"]:
        log = (runs_dir / "Vi2ZhLow" / rel / "n8" / "seed0" / "train_log.jsonl").read_text()
        assert '"translation"' not in log  # the run trained only its own stage
    joint = [
        json.loads(line)
        for line in (runs_dir / "Vi2ZhLow/tflcls/tflcls/r2/n8/seed0/train_log.jsonl").read_text().splitlines()
    ]
    assert {line["stage"] for line in joint} == {"joint"} and "c" in json.dumps(joint[-1]["weights"])


def test_results_json_has_one_row_per_run_and_evaluation_dataset(runs_dir):
    rows = json.loads((runs_dir / "results.json").read_text())
    assert len(rows) == 8 and all(set(row) == ROW_KEYS for row in rows)
    assert sorted({row["eval_dataset"] for row in rows}) == ["Vi2ZhLow", "Vi2ZhOOD"]
    assert {row["variant"] for row in rows} == {"mbart-cls", "tflcls", "tflcls-no-tra", "tflcls-no-mul"}
    assert {(row["weighting"], row["r"]) for row in rows if row["variant"] == "tflcls"} == {("tflcls", 2.0)}
    table = (runs_dir / "results.md").read_text()
    assert "Table 2" in table and "mbart-cls" in table and "tflcls-no-mul" in table


def test_a_finished_run_is_skipped_on_rerun(runs_dir, dataset_dir):
    metrics = runs_dir / "Vi2ZhLow" / "mbart-cls" / "n8" / "seed0" / "metrics.json"
    before = metrics.stat().st_mtime_ns
    ctx = RunContext(out=runs_dir, preset=TINY_PRESET)
    assert run_or_record(run_spec(dataset_dir, "mbart-cls"), ctx) == ("skipped", None)
    assert metrics.stat().st_mtime_ns == before
    other = RunContext(out=runs_dir, preset=dataclasses.replace(TINY_PRESET, name="fast"))
    with pytest.raises(ClsDataError, match="was made with preset 'smoke'.*choose another --out"):
        run_or_record(run_spec(dataset_dir, "mbart-cls"), other)


def broken_variant():
    base = get_variant("mbart-cls")
    return base.derive(
        "test-broken",
        stages=(dataclasses.replace(base.stages[0], builder="tests.benchmark.test_grid:no_such_builder"),),
    )


def split_at_bar(text):
    """A post-processing hook like MCLAS's: keep the text after a separator."""
    head, found, tail = text.rpartition("|")
    return {"prediction": tail if found else text, "raw_prediction": text, "separator_found": bool(found)}


def two_stage_variant():
    """A variant from another module: its own stages and columns (monolingual first, then CLS) and a hook."""
    builder = "cls_data.benchmark.families.mbart:build_mbart_cls"
    return VariantSpec(
        name="test-mono-then-cls",
        codec="cls_data.benchmark.families.mbart:mbart_codec",
        family="test",
        stages=(
            StageSpec(name="mono", builder=builder, source="text", target="summary"),
            StageSpec(
                name="sequential",
                builder=builder,
                source="text",
                target="cls_summary",
                init_from="mono",
                recipe="stage2",
            ),
        ),
        postprocess="tests.benchmark.test_grid:split_at_bar",
        default_backbone="own-vocabulary",
        dataset_backbone="tests.benchmark.test_grid:backbone_from_texts",
    )


def backbone_from_texts(texts, out_dir, src_lang, tgt_lang):
    """A variant's own backbone trained on the run's training split (NCLS builds its vocabulary so)."""
    from cls_data.benchmark.families.mbart import build_tiny_mbart

    assert (src_lang, tgt_lang) == ("vi", "zh") and len(texts) == 3 * 8  # text, summary, cls_summary of train_8
    return build_tiny_mbart(texts, out_dir, vocab_size=150, layers=1)


@pytest.fixture
def extra_variants():
    for factory in (broken_variant, two_stage_variant):
        register_variant(factory().name)(factory)
    yield
    for name in ("test-broken", "test-mono-then-cls"):
        registry.unregister_variant(name)


def test_a_variant_registered_elsewhere_brings_its_own_stages_columns_backbone_and_post_processing(
    tmp_path, dataset_dir, extra_variants
):
    ctx = RunContext(out=tmp_path, preset=dataclasses.replace(TINY_PRESET, name="fast", tiny_backbones=False))
    assert run_or_record(run_spec(dataset_dir, "test-mono-then-cls"), ctx) == ("done", None)
    assert [p.name for p in (tmp_path / ".cache" / "backbones").iterdir()] == [
        "test-" + ctx.dataset(str(dataset_dir)).fingerprint + "-n8"
    ]
    run = tmp_path / "Vi2ZhLow" / "test-mono-then-cls" / "n8" / "seed0"
    stages = [json.loads(line)["stage"] for line in (run / "train_log.jsonl").read_text().splitlines()]
    assert list(dict.fromkeys(stages)) == ["mono", "sequential"]
    row = json.loads((run / "predictions.jsonl").read_text().splitlines()[0])
    assert {"raw_prediction", "separator_found"} <= set(row)


def test_a_failing_run_leaves_failed_json_and_a_failed_row_and_the_grid_goes_on(tmp_path, dataset_dir, extra_variants):
    ctx = RunContext(out=tmp_path, preset=TINY_PRESET)
    status, error = run_or_record(run_spec(dataset_dir, "test-broken"), ctx)
    assert status == "failed" and "no_such_builder" in error
    failed = json.loads((tmp_path / "Vi2ZhLow" / "test-broken" / "n8" / "seed0.work" / "failed.json").read_text())
    assert set(failed) == {"error", "traceback", "time"} and "\n" not in failed["error"]
    assert not (tmp_path / "Vi2ZhLow" / "test-broken" / "n8" / "seed0").exists()
    rows = write_results(tmp_path)
    assert [(row["variant"], row["status"], row["run_dir"]) for row in rows] == [
        ("test-broken", "failed", "Vi2ZhLow/test-broken/n8/seed0")
    ]


def test_the_grid_expands_weightings_and_r_only_where_they_apply(dataset_dir):
    grid = GridSpec(
        datasets=(str(dataset_dir),),
        variants=("mbart-cls", "tflcls", "tflcls-no-mul"),
        weightings=("all",),
        rs=(1.5, 2.0),
        train_sizes=(8, 16),
    )
    dirs = [str(run.rel_dir) for run in expand(grid)]
    assert "Vi2ZhLow/mbart-cls/n8/seed0" in dirs and "Vi2ZhLow/tflcls/tflcls/r1.5/n16/seed0" in dirs
    assert "Vi2ZhLow/tflcls/hu/n8/seed0" in dirs and not any("mbart-cls/" in d and "/r" in d for d in dirs)
    assert len(dirs) == 2 + (3 + 2) * 2 + 2


def test_shards_cover_every_run_exactly_once(dataset_dir):
    runs = expand(
        GridSpec(
            datasets=(str(dataset_dir), "owner/Other"),
            variants=("all",),
            weightings=("all",),
            rs=(1.0, 2.0, 3.0),
            train_sizes=(1000, 3000, 5000),
            seeds=(0, 1),
        )
    )
    for n in (1, 2, 3, 7, len(runs) + 5):
        pieces = [shard(runs, k, n) for k in range(1, n + 1)]
        flat = [run.rel_dir for piece in pieces for run in piece]
        assert sorted(flat) == sorted(run.rel_dir for run in runs) and len(set(flat)) == len(flat)
        assert max(map(len, pieces)) - min(map(len, pieces)) <= 1
    assert shard(list(reversed(runs)), 2, 3) == shard(runs, 2, 3)  # independent of option order
    with pytest.raises(ClsDataError, match="K/N"):
        parse_shard("2")
    with pytest.raises(ClsDataError, match="between 1 and N"):
        parse_shard("4/3")


def test_a_grid_file_merges_its_tables_and_an_unknown_variant_lists_the_valid_names(tmp_path, dataset_dir):
    spec = tmp_path / "grid.toml"
    spec.write_text(
        f'datasets = ["{dataset_dir}"]\ntrain_sizes = [8]\n[[grid]]\nvariants = ["mbart-cls", "tflcls"]\n'
        '[[grid]]\nvariants = ["tflcls"]\nweightings = ["tflcls"]\nrs = [2.0, 3.0]\n'
    )
    runs = expand_all(load_grid_file(spec))
    assert [str(run.rel_dir) for run in runs] == [
        "Vi2ZhLow/mbart-cls/n8/seed0",
        "Vi2ZhLow/tflcls/tflcls/r2/n8/seed0",
        "Vi2ZhLow/tflcls/tflcls/r3/n8/seed0",
    ]
    spec.write_text(f'datasets = ["{dataset_dir}"]\nvariants = ["mbart"]\n')
    with pytest.raises(
        ClsDataError, match="unknown variant 'mbart'; choose one of: mbart-cls, tflcls, tflcls-no-tra, tflcls-no-mul"
    ):
        expand_all(load_grid_file(spec))


def test_a_stage_one_claim_left_by_a_dead_process_is_taken_over_and_a_live_one_is_respected(tmp_path):
    import os
    import socket
    import subprocess
    import sys

    from cls_data.benchmark.claims import Claim, claim_path

    done = tmp_path / "run"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    claim = Claim(claim_path(tmp_path, "run"))
    claim.path.parent.mkdir()
    claim.path.write_text(f"{socket.gethostname()} {dead} token\n")
    assert claim.wait_for(done, poll=0.01) and claim.path.read_text().split()[1] == str(os.getpid())
    assert Claim(claim.path).held_by_other()  # held by this live process: another worker waits
    claim.release()
    done.mkdir()
    assert Claim(claim.path).wait_for(done) is False  # finished by another meanwhile


def test_a_train_size_larger_than_the_dataset_stops_the_grid_before_any_run_with_the_sizes_it_has(
    tmp_path, dataset_dir
):
    from cls_data.benchmark.grid import run_grid

    grid = GridSpec(datasets=(str(dataset_dir),), variants=("mbart-cls",), train_sizes=(1000,), preset="paper")
    with pytest.raises(
        ClsDataError, match=r"train size 1000: .* has only 24 training pairs; its train splits hold 8, 16, 24"
    ):
        run_grid(grid, tmp_path / "RUNS")
    assert not (tmp_path / "RUNS").exists()


def test_a_preset_that_caps_training_pairs_takes_a_small_datasets_whole_train_split(dataset):
    from cls_data.benchmark.data import train_split_for_size

    split, limit, note = train_split_for_size(dataset, 1000, capped_at=16)
    assert (split, limit) == ("train", None) and "trains on 16 anyway" in note


def test_the_paper_grid_sweeps_r_over_1_to_3_5_on_vi2zhlow_at_5000_as_figure_5_did():
    from pathlib import Path

    spec = Path(__file__).resolve().parents[2] / "grids" / "paper.toml"
    runs = expand_all(load_grid_file(spec))
    swept = {(Path(run.dataset).name, run.train_size, run.r) for run in runs if run.r not in (None, 2.0)}
    assert swept == {("Vi2ZhLow", 5000, r) for r in (1.0, 1.5, 2.5, 3.0, 3.5)}
    assert {(Path(run.dataset).name, run.train_size) for run in runs if run.r == 2.0} == {
        (d, n) for d in ("Vi2ZhLow", "En2ZhLow", "Zh2EnLow") for n in (1000, 3000, 5000)
    }  # Table 2's TFLCLS everywhere


def test_variants_on_a_grid_file_pick_from_its_tables_instead_of_replacing_every_tables_variants():
    from pathlib import Path

    spec = Path(__file__).resolve().parents[2] / "grids" / "paper.toml"
    whole = expand_all(load_grid_file(spec))
    picked = expand_all(load_grid_file(spec, variants=("mbart-cls", "tflcls")))
    assert picked == [
        run for run in whole if run.variant in ("mbart-cls", "tflcls")
    ]  # Table 3's block stays tflcls only
    baselines = expand_all(load_grid_file(spec, variants=("ncls",)))
    assert {(run.variant, run.weighting, run.r) for run in baselines} == {("ncls", None, None)} and len(baselines) == 9
    with pytest.raises(ClsDataError, match="unknown variant 'mbart'"):
        load_grid_file(spec, variants=("mbart",))


def test_variants_absent_from_a_grid_file_are_one_line(tmp_path, dataset_dir):
    spec = tmp_path / "grid.toml"
    spec.write_text(f'datasets = ["{dataset_dir}"]\ntrain_sizes = [8]\n[[grid]]\nvariants = ["tflcls"]\n')
    with pytest.raises(ClsDataError, match="has no run of ncls; --variants picks from the file's variants"):
        load_grid_file(spec, variants=("tflcls", "ncls"))
