"""Pushing to the Hub, against a local server that answers the few Hub endpoints an upload uses (the `hub` fixture,
tests/support/fake_hub.py)."""

import pytest

from cls_data.dataset.builder import BuildConfig, build_dataset
from cls_data.dataset.hub import push_folder
from cls_data.dataset.splits import SplitSizes
from cls_data.errors import ClsDataError

SIZES = SplitSizes(train=50, validation=20, test=20, subsets=(10, 30))
TOKEN = "hf_secret_test_token"  # what conftest puts in HF_TOKEN


@pytest.fixture
def vi2zh(tmp_path, kept_jsonl):
    return build_dataset(BuildConfig("vi2zh", [kept_jsonl], tmp_path / "out", sizes=SIZES)).folder


@pytest.fixture
def en2zh(tmp_path, gen):
    return build_dataset(
        BuildConfig("en2zh", [gen.write_en2zh(tmp_path / "ncls")], tmp_path / "ncls-out", sizes=SIZES)
    ).folder


def test_push_uploads_every_file_of_the_folder_with_the_token(hub, vi2zh):
    url = push_folder(vi2zh, "me/Vi2ZhLow", endpoint=hub["endpoint"])
    assert url.endswith("/datasets/me/Vi2ZhLow")
    assert hub["created"] == [{"name": "Vi2ZhLow", "organization": "me", "visibility": "public", "type": "dataset"}]
    local = {str(p.relative_to(vi2zh)): p.read_bytes() for p in vi2zh.rglob("*") if p.is_file()}
    assert hub["files"] == local
    assert any(name.startswith("data/train_10-00000-of-00001-") for name in local)
    assert hub["auth"] == {f"Bearer {TOKEN}"}  # token from the usual place (HF_TOKEN)
    assert hub["readme"].startswith("---\nlanguage:")


def test_public_push_of_ncls_text_is_refused_without_touching_the_server(hub, en2zh):
    with pytest.raises(ClsDataError, match="refusing to push NCLS-derived text"):
        push_folder(en2zh, "me/En2ZhLow", endpoint=hub["endpoint"])
    assert hub["created"] == [] and hub["files"] == {}


def test_ncls_text_may_go_to_a_private_repo_or_with_the_explicit_override(hub, en2zh):
    push_folder(en2zh, "me/En2ZhLow", private=True, endpoint=hub["endpoint"])
    push_folder(en2zh, "me/En2ZhLow-pub", allow_public_ncls=True, endpoint=hub["endpoint"])
    assert [c["visibility"] for c in hub["created"]] == ["private", "public"]


def test_ids_only_ncls_folder_may_be_public(hub, tmp_path, gen):
    folder = build_dataset(
        BuildConfig("en2zh", [gen.write_en2zh(tmp_path / "n")], tmp_path / "o", sizes=SIZES, ids_only=True)
    ).folder
    push_folder(folder, "me/En2ZhLow-ids", endpoint=hub["endpoint"])
    assert "ids.json" in hub["files"] and not any(name.startswith("data/") for name in hub["files"])


def test_server_refusal_is_one_clear_error_without_the_token(hub, vi2zh):
    hub["fail"] = 403
    with pytest.raises(ClsDataError) as caught:
        push_folder(vi2zh, "me/Vi2ZhLow", endpoint=hub["endpoint"])
    assert "HTTP 403" in str(caught.value) and TOKEN not in str(caught.value)


def test_cli_build_and_private_push_of_ncls_data(hub, tmp_path, gen, monkeypatch):
    folder = gen.write_en2zh(tmp_path / "ncls")
    monkeypatch.setenv("HF_ENDPOINT", hub["endpoint"])
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    done = gen.run_cli(
        "build",
        "en2zh",
        str(folder),
        "--out",
        str(tmp_path / "out"),
        "--sizes",
        gen.SMALL,
        "--push-to-hub",
        "me/En2ZhLow",
        "--private",
    )
    assert done.returncode == 0, done.stderr
    assert "pushed to" in done.stdout and TOKEN not in done.stdout + done.stderr
    assert hub["created"][0]["visibility"] == "private"
    assert any(name.startswith("data/test-00000-of-00001-") for name in hub["files"])
    assert 'load_dataset("me/En2ZhLow")' in hub["files"]["README.md"].decode()
