"""Live tracking: TensorBoard event files read back with losses, weights and ROUGE; tracking never changes training."""

from __future__ import annotations

import importlib.util
import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("tensorboard")

from cls_data.benchmark.context import RunContext, RunSpec  # noqa: E402
from cls_data.benchmark.runs import run_or_record  # noqa: E402
from cls_data.benchmark.tracking import check_trackers  # noqa: E402
from cls_data.errors import ClsDataError  # noqa: E402
from cls_data.run_folder import write_results_json as write_results  # noqa: E402
from tests.benchmark.conftest import TINY_PRESET  # noqa: E402
from tests.cli.test_benchmark_command import cli  # noqa: E402

RUN = "Vi2ZhLow/tflcls/tflcls/r2/n8/seed0"
STAGE1 = "Vi2ZhLow/stage1-translation/n8/seed0"


def scalars(folder):
    """{tag: [(step, value)]} of every event file under `folder`, through TensorBoard's own reader."""
    from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer

    events = EventMultiplexer().AddRunsFromDirectory(str(folder))
    events.Reload()
    found = {}
    for run in events.Runs():
        for tag in events.Runs()[run]["scalars"]:
            found.setdefault(tag, []).extend((e.step, e.value) for e in events.Scalars(run, tag))
    return found


def run_tflcls(out, dataset_dir, backbone, log_with):
    ctx = RunContext(out=out, preset=TINY_PRESET, backbone=str(backbone), log_with=log_with)
    status = run_or_record(RunSpec(str(dataset_dir), "Vi2ZhLow", "tflcls", "tflcls", 2.0, 8, 0), ctx)
    assert status == ("done", None)
    write_results(out)
    return out


@pytest.fixture(scope="module")
def tracked(tmp_path_factory, dataset_dir, backbone):
    return run_tflcls(tmp_path_factory.mktemp("tracked") / "RUNS", dataset_dir, backbone, ("tensorboard",))


def test_tensorboard_holds_step_losses_lr_learned_weights_validation_and_test_rouge_of_the_run(tracked):
    found = scalars(tracked / "tensorboard" / RUN)
    log = [json.loads(line) for line in (tracked / RUN / "train_log.jsonl").read_text(encoding="utf-8").splitlines()]
    steps = [line for line in log if line["kind"] == "step" and line["stage"] == "joint"]
    assert found["train/joint/loss/cls"] == [
        (line["step"], pytest.approx(line["losses"]["cls"], rel=1e-6)) for line in steps
    ]
    assert {"train/joint/loss/mls", "train/joint/loss/total", "train/joint/lr", "train/joint/weight/c"} <= set(found)
    validated = [line for line in log if line.get("val") and line["stage"] == "joint"]
    assert found["val/joint/rouge2"] == [
        (line["step"], pytest.approx(100 * line["val"]["rouge2"], rel=1e-6)) for line in validated
    ]
    metrics = json.loads((tracked / RUN / "metrics.json").read_text(encoding="utf-8"))
    for metric in ("rouge1", "rouge2", "rougeL"):
        assert [value for _, value in found[f"test/{metric}"]] == [
            pytest.approx(100 * metrics["test"][metric], rel=1e-6)
        ]
    assert found["time/train_seconds"][0][1] == pytest.approx(metrics["train_seconds"], rel=1e-6)
    assert "speed/decode_samples_per_s" in found


def test_the_shared_stage_one_run_is_a_tracker_run_of_its_own(tracked):
    found = scalars(tracked / "tensorboard" / STAGE1)
    assert "train/translation/loss/cls" in found and "val/translation/rouge2" in found
    assert not any(tag.startswith(("train/joint", "test/")) for tag in found)


def test_tracking_never_changes_training_and_writes_nothing_when_off(tracked, tmp_path, dataset_dir, backbone):
    from safetensors.torch import load_file

    plain = run_tflcls(tmp_path / "RUNS", dataset_dir, backbone, ())
    assert not (plain / "tensorboard").exists()
    ours, theirs = (
        load_file(tracked / RUN / "model" / "model.safetensors"),
        load_file(plain / RUN / "model" / "model.safetensors"),
    )
    assert ours.keys() == theirs.keys() and all((ours[k] == theirs[k]).all() for k in ours)
    assert (tracked / RUN / "predictions.jsonl").read_text() == (plain / RUN / "predictions.jsonl").read_text()
    rows = [
        {k: v for k, v in row.items() if "seconds" not in k and k != "samples_per_s"}
        for row in json.loads((tracked / "results.json").read_text())
    ]
    assert rows == [
        {k: v for k, v in row.items() if "seconds" not in k and k != "samples_per_s"}
        for row in json.loads((plain / "results.json").read_text())
    ]  # the event folders are not runs


def test_a_smoke_benchmark_with_log_with_tensorboard_leaves_event_files_with_losses_and_rouge(tmp_path, dataset_dir):
    out = tmp_path / "RUNS"
    done = cli(
        "benchmark",
        "--dataset",
        str(dataset_dir),
        "--preset",
        "smoke",
        "--variants",
        "mbart-cls",
        "--train-sizes",
        "8",
        "--log-with",
        "tensorboard",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = scalars(out / "tensorboard" / "Vi2ZhLow/mbart-cls/n8/seed0")
    metrics = json.loads((out / "Vi2ZhLow/mbart-cls/n8/seed0/metrics.json").read_text())
    assert found["train/cls/loss/cls"] and found["val/cls/rouge2"]
    assert found["test/rouge2"][0][1] == pytest.approx(100 * metrics["test"]["rouge2"], rel=1e-6)


def test_an_unknown_tracker_is_one_line_naming_the_valid_ones():
    with pytest.raises(ClsDataError, match="choose from tensorboard, wandb, trackio, mlflow"):
        check_trackers(["neptune"])


@pytest.mark.parametrize("name", ["wandb", "trackio", "mlflow"])
def test_a_tracker_whose_package_is_missing_is_one_line_naming_the_extra_before_anything_runs(
    name, tmp_path, dataset_dir
):
    if importlib.util.find_spec(name) is not None:
        pytest.skip(f"{name} is installed here")
    done = cli(
        "benchmark",
        "--dataset",
        str(dataset_dir),
        "--preset",
        "smoke",
        "--variants",
        "mbart-cls",
        "--log-with",
        f"tensorboard,{name}",
        "--out",
        str(tmp_path / "RUNS"),
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2
    assert lines == [
        f"error: --log-with {name}: the {name} package is not installed; install it with: pip install "
        f"'cls-data[{name}]'"
    ]
    assert not (tmp_path / "RUNS").exists()


def test_wandb_offline_run_is_named_after_the_run_folder_and_holds_its_config_and_metrics(
    tmp_path, dataset_dir, backbone, monkeypatch
):
    wandb = pytest.importorskip("wandb")
    for key, value in {
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DISABLE_GIT": "true",
        "WANDB_CONFIG_DIR": str(tmp_path / "cfg"),
        "WANDB_CACHE_DIR": str(tmp_path / "cache"),
        "WANDB_DATA_DIR": str(tmp_path / "data"),
    }.items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "RUNS"
    ctx = RunContext(out=out, preset=TINY_PRESET, backbone=str(backbone), log_with=("wandb",))
    assert run_or_record(RunSpec(str(dataset_dir), "Vi2ZhLow", "mbart-cls", None, None, 8, 0), ctx) == ("done", None)
    wandb.teardown()  # its service process writes the run file after `finish` returns: wait for it
    [run] = (out / "wandb").glob("offline-run-*/run-*.wandb")  # wandb 0.2x+ keeps an offline run in one record file
    records = run.read_bytes()  # protobuf records: keys and names are stored as plain UTF-8
    for text in (
        "Vi2ZhLow/mbart-cls/n8/seed0",
        out.name,
        "train/cls/lr",
        "model/backbone",
        "train/cls/loss/cls",
        "val/cls/rouge2",
        "test/rouge2",
        "time/decode_seconds",
    ):
        assert text.encode() in records, text


def test_mlflow_local_store_holds_the_runs_params_and_metric_histories(tmp_path, dataset_dir, backbone, monkeypatch):
    mlflow = pytest.importorskip("mlflow")
    store = (tmp_path / "mlruns").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3's file store: local, no database package needed
    out = tmp_path / "RUNS"
    ctx = RunContext(out=out, preset=TINY_PRESET, backbone=str(backbone), log_with=("mlflow",))
    assert run_or_record(RunSpec(str(dataset_dir), "Vi2ZhLow", "mbart-cls", None, None, 8, 0), ctx) == ("done", None)
    client = mlflow.MlflowClient(store)
    [run] = client.search_runs([client.get_experiment_by_name(out.name).experiment_id])
    assert run.info.run_name == "Vi2ZhLow/mbart-cls/n8/seed0" and run.info.status == "FINISHED"
    assert run.data.params["variant"] == "mbart-cls" and float(run.data.params["train/cls/lr"]) == TINY_PRESET.stage2.lr
    log = [json.loads(line) for line in (out / "Vi2ZhLow/mbart-cls/n8/seed0/train_log.jsonl").read_text().splitlines()]
    history = client.get_metric_history(run.info.run_id, "train/cls/loss/cls")
    assert [(m.step, m.value) for m in history] == [
        (line["step"], pytest.approx(line["losses"]["cls"])) for line in log if line["kind"] == "step"
    ]
    metrics = json.loads((out / "Vi2ZhLow/mbart-cls/n8/seed0/metrics.json").read_text())
    assert run.data.metrics["test/rouge2"] == pytest.approx(100 * metrics["test"]["rouge2"])
