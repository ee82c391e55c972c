"""Upload to the Hugging Face Hub: a built dataset folder (keeping NCLS-derived text off public repos), or a model
folder."""

from __future__ import annotations

from pathlib import Path

from cls_data.dataset.kinds import get_kind
from cls_data.dataset_folder import read_build_info, split_files
from cls_data.errors import ClsDataError

REFUSAL = (
    "refusing to push NCLS-derived text to a public repo: the NCLS licence forbids redistribution. "
    "Push with --private, or build with --ids-only and push the ids manifest, "
    "or pass --i-may-redistribute-ncls if you hold the right to redistribute it"
)


def check_push_allowed(kind: str, ids_only: bool, private: bool, override: bool) -> None:
    """Raise unless the push is private, carries no text, is of a redistributable kind, or is explicitly overridden."""
    if not get_kind(kind).redistributable and not ids_only and not private and not override:
        raise ClsDataError(REFUSAL)


def folder_facts(folder: Path) -> tuple[str, bool]:
    """(dataset kind, carries text) for a built folder, from its build_info.json and data/."""
    info = read_build_info(folder)
    if info is None:
        raise ClsDataError(f"{folder}: no build_info.json; push only folders made by `cls-data build`")
    return info["kind"], bool(split_files(folder))


def push_folder(
    folder: Path,
    repo_id: str,
    private: bool = False,
    allow_public_ncls: bool = False,
    token: str | None = None,
    endpoint: str | None = None,
) -> str:
    """Create (or reuse) the dataset repo and upload the folder; the token comes from the usual
    places (HF_TOKEN, `hf auth login`) unless given, and is never printed."""
    kind, has_text = folder_facts(folder)
    check_push_allowed(kind, not has_text, private, allow_public_ncls)
    return upload_folder(
        folder,
        repo_id,
        "dataset",
        f"Upload {folder.name} built by cls-data",
        private=private,
        token=token,
        endpoint=endpoint,
    )


def upload_folder(
    folder: Path,
    repo_id: str,
    repo_type: str,
    commit_message: str,
    *,
    private: bool = False,
    token: str | None = None,
    endpoint: str | None = None,
) -> str:
    """Create (or reuse) a Hub repo of `repo_type` and upload the folder in one commit; returns the repo URL.
    Shared by `cls-data build --push` and `cls-data publish`; a refusal is one ClsDataError without the token."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    from cls_data.network import hub_unreachable, network_cause

    api = HfApi(endpoint=endpoint, token=token)
    try:
        repo = api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True)
        api.upload_folder(
            repo_id=repo.repo_id, repo_type=repo_type, folder_path=str(folder), commit_message=commit_message
        )
    except HfHubHTTPError as exc:
        if exc.response is None:
            raise ClsDataError(hub_unreachable(f"push to {repo_id} failed", exc, endpoint)) from None
        status = exc.response.status_code
        raise ClsDataError(
            f"push to {repo_id} failed (HTTP {status}); check the repo id and your token's write access"
        ) from None
    except ValueError as exc:  # the Hub rejected the card's YAML
        raise ClsDataError(f"push to {repo_id} refused by the Hub: {exc}") from None
    except Exception as exc:  # the HTTP client's own errors (httpx's are not OSErrors): one line naming the network
        if network_cause(exc) is not None:
            raise ClsDataError(hub_unreachable(f"push to {repo_id} failed", exc, endpoint)) from None
        if isinstance(exc, OSError):
            raise ClsDataError(f"push to {repo_id} failed: {exc.__class__.__name__}: {exc}") from None
        raise
    return str(repo)
