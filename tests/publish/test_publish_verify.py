"""`cls-data publish` checks what it would push before sending anything: damaged weights, a missing or foreign
tokenizer, a missing config; `--dry-run` lists the files; an unreachable Hub is one line."""

from __future__ import annotations

import shutil
import socket

import pytest

pytest.importorskip("torch")

from cls_data.errors import ClsDataError  # noqa: E402
from cls_data.publish.run import PublishConfig, publish_run  # noqa: E402
from tests.publish.conftest import RUN  # noqa: E402


@pytest.fixture
def run(runs, tmp_path):
    """A copy of the finished run to damage (the run folder's place in RUNS kept: RUNS/Vi2ZhLow/...)."""
    copy = tmp_path / "RUNS" / RUN
    shutil.copytree(runs / RUN, copy)
    return copy


def refused(hub, run, match):
    with pytest.raises(ClsDataError, match=match) as caught:
        publish_run(PublishConfig(run, "me/tiny", endpoint=hub["endpoint"]))
    assert hub["created"] == [] and hub["files"] == {} and hub["commits"] == []  # nothing sent, not even the repo
    assert "\n" not in str(caught.value)
    return str(caught.value)


@pytest.mark.parametrize("cut", [0.5, 0.0])
def test_truncated_or_empty_weights_are_refused_before_anything_is_sent(hub, run, cut):
    weights = run / "model" / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: int(len(data) * cut)])
    message = refused(hub, run, "damaged weights")
    assert "model.safetensors" in message and "nothing was pushed" in message


def test_missing_weights_and_a_missing_config_are_refused(hub, runs, run):
    (run / "model" / "model.safetensors").unlink()
    assert "no model.safetensors" in refused(hub, run, "weights are missing")
    shutil.copy2(runs / RUN / "model" / "model.safetensors", run / "model")
    (run / "model" / "config.json").unlink()
    refused(hub, run, "no config.json")


def test_weights_missing_a_tensor_are_refused_as_not_filling_the_model(hub, run):
    from safetensors.torch import load_file, save_file

    weights = run / "model" / "model.safetensors"
    tensors = load_file(weights)
    dropped = next(name for name in tensors if "encoder.layers.0.fc1.weight" in name)
    save_file({k: v for k, v in tensors.items() if k != dropped}, weights, metadata={"format": "pt"})
    assert "encoder.layers.0.fc1.weight" in refused(hub, run, "do not fill the model: 1 missing keys")


def test_a_run_without_its_tokenizer_is_refused_rather_than_a_new_tokenizer_pushed(hub, run):
    for path in (run / "model").glob("tokenizer*"):
        path.unlink()
    refused(hub, run, "no tokenizer files .* a newly made one would not match")


def test_a_tokenizer_larger_than_the_embedding_table_is_refused(hub, run):
    from transformers import AutoConfig, AutoTokenizer

    rows = AutoConfig.from_pretrained(run / "model").vocab_size
    tokenizer = AutoTokenizer.from_pretrained(run / "model")
    tokenizer.add_tokens([f"新词{i}" for i in range(rows - len(tokenizer) + 5)])  # another model's, bigger, vocabulary
    tokenizer.save_pretrained(run / "model")
    refused(hub, run, f"tokenizer has {rows + 5:,} tokens but the model's embedding table {rows:,} rows")


def test_dry_run_lists_what_would_be_pushed_and_sends_nothing(hub, runs, run_cli):
    result = publish_run(PublishConfig(runs / RUN, "me/tiny", endpoint=hub["endpoint"], dry_run=True))
    assert hub["created"] == [] and hub["files"] == {} and hub["auth"] == set()
    assert {"model.safetensors", "tokenizer.json", "config.json", "README.md", "run/metrics.json"} <= set(result.files)
    assert result.url == f"{hub['endpoint']}/me/tiny"
    assert result.sizes["model.safetensors"] == (runs / RUN / "model" / "model.safetensors").stat().st_size
    done = run_cli(
        "publish", runs / RUN, "--repo", "me/tiny", "--dry-run", env={"HF_ENDPOINT": hub["endpoint"]}, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"would push {len(result.files)} files to {hub['endpoint']}/me/tiny (dry run: nothing sent)" in done.stdout
    assert f"  model.safetensors  {result.sizes['model.safetensors']:,} bytes" in done.stdout
    assert hub["auth"] == set()


def closed_port() -> int:
    """A port nothing listens on: a Hub that cannot be reached."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_hub_is_one_error_line_naming_the_network(runs, run_cli):
    endpoint = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(
        ClsDataError,
        match=f"push to me/tiny failed: cannot reach the Hub at {endpoint} "
        r"\(ConnectError: .*\); check the network connection",
    ):
        publish_run(PublishConfig(runs / RUN, "me/tiny", endpoint=endpoint))
    env = {"HF_ENDPOINT": endpoint, "HF_HUB_OFFLINE": "0"}
    done = run_cli("publish", runs / RUN, "--repo", "me/tiny", env=env, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("note: ")]
    assert len(lines) == 1 and lines[0].startswith("error: push to me/tiny failed: cannot reach the Hub")
    offline = run_cli("publish", runs / RUN, "--repo", "me/tiny", timeout=300)  # run_cli sets HF_HUB_OFFLINE=1
    assert offline.returncode == 2
    assert "error: push to me/tiny failed: the Hub is not reachable in offline mode" in offline.stderr
