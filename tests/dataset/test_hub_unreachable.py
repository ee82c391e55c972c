"""The Hub out of reach (offline mode, nothing listening, a connection cut) is one `error:` line naming the network:
for `build --push-to-hub` and for a Hub dataset id given to the benchmark."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from cls_data.errors import ClsDataError

pytestmark = pytest.mark.usefixtures("offline_hub")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def hanging_up_server() -> Iterator[str]:
    """Accepts each connection and closes it without a word, as a proxy or a dying server does."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


def error_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr[-3000:]
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def test_build_push_to_an_unreachable_hub_is_one_line_and_keeps_the_built_folder(tmp_path, gen, kept_jsonl, run_cli):
    endpoint = f"http://127.0.0.1:{closed_port()}"
    done = run_cli(
        "build",
        "vi2zh",
        str(kept_jsonl),
        "--out",
        str(tmp_path / "out"),
        "--sizes",
        gen.SMALL,
        "--push-to-hub",
        "me/Vi2ZhLow",
        env={"HF_ENDPOINT": endpoint, "HF_HUB_OFFLINE": "0"},
    )
    assert done.returncode == 2
    assert error_lines(done.stderr) == [
        f"error: push to me/Vi2ZhLow failed: cannot reach the Hub at {endpoint} "
        "(ConnectError: [Errno 111] Connection refused); check the network connection "
        "(or HF_ENDPOINT)"
    ]
    assert (tmp_path / "out" / "Vi2ZhLow" / "build_info.json").exists()  # the build is not lost
    offline = run_cli(
        "build",
        "vi2zh",
        str(kept_jsonl),
        "--out",
        str(tmp_path / "out2"),
        "--sizes",
        gen.SMALL,
        "--push-to-hub",
        "me/Vi2ZhLow",
    )
    assert offline.returncode == 2 and error_lines(offline.stderr) == [
        "error: push to me/Vi2ZhLow failed: the Hub is not reachable in offline mode (HF_HUB_OFFLINE is set); "
        "unset it, or use a local folder"
    ]


def test_a_hub_dataset_id_offline_names_offline_mode_not_a_missing_build_info(monkeypatch):
    import huggingface_hub.constants

    from cls_data.benchmark.data import open_dataset

    # read from HF_HUB_OFFLINE when huggingface_hub is first imported, which may have been before offline_hub set it
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ClsDataError) as caught:
        open_dataset("someone/Vi2ZhLow")
    assert str(caught.value).startswith("--dataset someone/Vi2ZhLow: the Hub is not reachable in offline mode")
    assert "build_info" not in str(caught.value)


def test_a_hub_dataset_id_behind_a_server_that_hangs_up_names_the_network(monkeypatch):
    import huggingface_hub.constants

    from cls_data.benchmark.data import open_dataset

    with hanging_up_server() as endpoint:
        monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", endpoint)
        with pytest.raises(
            ClsDataError,
            match=f"--dataset someone/Vi2ZhLow: cannot reach the Hub at {endpoint} "
            r"\(\w+: .*\); check the network connection",
        ):
            open_dataset("someone/Vi2ZhLow")


def test_cli_benchmark_on_a_hub_id_with_nothing_listening_is_one_line(tmp_path, run_cli):
    endpoint = f"http://127.0.0.1:{closed_port()}"
    done = run_cli(
        "benchmark",
        "--dataset",
        "someone/Vi2ZhLow",
        "--out",
        str(tmp_path / "RUNS"),
        "--preset",
        "smoke",
        "--variants",
        "mbart-cls",
        env={"HF_ENDPOINT": endpoint, "HF_HUB_OFFLINE": "0"},
    )
    assert done.returncode == 2
    assert error_lines(done.stderr) == [
        f"error: --dataset someone/Vi2ZhLow: cannot reach the Hub at {endpoint} "
        "(ConnectError: [Errno 111] Connection refused); check the network connection "
        "(or HF_ENDPOINT)"
    ]


def test_a_hub_dataset_id_with_its_languages_given_offline_and_not_cached_is_one_line(monkeypatch):
    import huggingface_hub.constants

    from cls_data.benchmark.data import open_dataset

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ClsDataError, match="^cannot load dataset someone/Vi2ZhLow: |^--dataset someone/Vi2ZhLow: "):
        open_dataset("someone/Vi2ZhLow", src_lang="vi", tgt_lang="zh")  # a cached copy would load; there is none
