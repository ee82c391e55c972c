"""A run's identity beyond its settings: the exact backbone, scoring languages and tokenizer, the model a server serves.

config.json records it (`identity`); before a finished run or shared stage is reused, the identity
this grid would give it is compared field by field, and a difference refuses the reuse with one
line naming the old and the new value. Without this a rerun with another --backbone reused a stage 1
trained on the old one, and a build_info.json edited from zh to en mixed two tokenizers in one table.
A run folder written before identities were recorded is compared on what its config.json has
(languages, the backbone's name).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from cls_data.errors import ClsDataError
from cls_data.run_folder import read_config

IDENTITY = "identity"  # config.json's key
LABELS = {  # field -> how a refusal names it
    "backbone": "backbone",
    "src_lang": "source language (build_info.json src_lang)",
    "tgt_lang": "target language (build_info.json tgt_lang)",
    "rouge_tokenizer": "ROUGE tokenizer",
    "served_model": "served model (--llm-url /models)",
    "eval_on": "--eval-on ROUGE tokenizers",
}
_FOLDER_HASHES: dict[tuple, str] = {}  # (folder, its files' names, sizes and mtimes) -> content hash, per process


def run_identity(ctx: Any, variant: Any, dataset: Any, backbone: str, *, for_reuse: bool = False) -> dict[str, Any]:
    """What this grid's run of `variant` on `dataset` with `backbone` depends on beyond config.json's settings.

    `for_reuse`: a finished run needs no server, so one that does not answer (asked once) leaves the served
    model out of the comparison instead of stopping the grid; a run about to use the server fails on it."""
    from cls_data.text import tokenizer_for_language

    served = bool(variant.spec.setup and ctx.option("llm_url"))  # a prompted variant answers through the server
    identity: dict[str, Any] = {
        "backbone": {"name": backbone} if served else backbone_identity(backbone, ctx.cache),
        "src_lang": dataset.src_lang,
        "tgt_lang": dataset.tgt_lang,
        "rouge_tokenizer": tokenizer_for_language(dataset.tgt_lang),
    }
    others = {
        other.name: tokenizer_for_language(other.tgt_lang)
        for other in map(ctx.dataset, ctx.eval_on)
        if other.fingerprint != dataset.fingerprint
    }
    if others:  # compared on the datasets both grids evaluate on (identity.differences)
        identity["eval_on"] = others
    if served:
        try:
            identity["served_model"] = served_model(ctx.option("llm_url"), backbone, retries=0 if for_reuse else 5)
        except ClsDataError:
            if not for_reuse:
                raise
    return identity


def backbone_identity(backbone: str, cache: Path) -> dict[str, Any]:
    """A Hub id with the revision the Hugging Face cache resolves it to; a local folder by its content; a backbone
    this engine trains from the dataset (under RUNS/.cache) by its folder name, which holds its recipe."""
    path = Path(backbone)
    if path.is_dir():
        try:
            return {"name": path.resolve().relative_to(Path(cache).resolve()).as_posix(), "derived": True}
        except ValueError:
            return {"name": str(path), "sha256": folder_hash(path)}
    return {"name": backbone, "revision": cached_revision(backbone)}


def cached_revision(repo_id: str) -> str | None:
    """The commit the Hugging Face cache's `main` points to for `repo_id` (what from_pretrained loads), or None."""
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(repo_id, "config.json")
    except Exception:  # not a repo id the cache knows how to look up
        return None
    return Path(found).parent.name if isinstance(found, str) else None


def folder_hash(folder: Path) -> str:
    """SHA-256 over the folder's files (relative path and content), once per process while they are unchanged."""
    from cls_data.dataset_folder import file_sha256

    files = sorted(p for p in Path(folder).rglob("*") if p.is_file())
    key = (
        str(Path(folder).resolve()),
        tuple((p.relative_to(folder).as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in files),
    )
    if key not in _FOLDER_HASHES:
        digest = hashlib.sha256()
        for path in files:
            digest.update(f"{path.relative_to(folder).as_posix()}:{file_sha256(path)}\n".encode())
        _FOLDER_HASHES[key] = digest.hexdigest()[:16]
    return _FOLDER_HASHES[key]


def served_model(url: str, wanted: str, retries: int = 5) -> str:
    """The model name the --llm-url server serves for `wanted` (its /models list; `ChatClient`'s own resolution), asked
    each time: a server restarted with another model keeps its URL."""
    from cls_data.benchmark.llm_server import ChatClient

    client = ChatClient(url, wanted, retries=retries)
    try:
        return client.model
    finally:
        client.close()


def recorded_identity(config: dict[str, Any], cache: Path) -> dict[str, Any]:
    """config.json's identity; for a folder written before identities were recorded, what its settings say."""
    if isinstance(config.get(IDENTITY), dict):
        return config[IDENTITY]
    old: dict[str, Any] = {key: config[key] for key in ("src_lang", "tgt_lang") if config.get(key)}
    backbone = (config.get("model") or {}).get("backbone") if isinstance(config.get("model"), dict) else None
    if isinstance(backbone, str):
        try:
            old["backbone"] = {"name": Path(backbone).resolve().relative_to(Path(cache).resolve()).as_posix()}
        except ValueError:
            old["backbone"] = {"name": backbone}
    return old


def describe(field: str, value: Any) -> str:
    if field != "backbone" or not isinstance(value, dict):
        return repr(value)
    if value.get("sha256"):
        return f"{value['name']!r} (content {value['sha256']})"
    if value.get("revision"):
        return f"{value['name']!r} at revision {value['revision'][:12]}"
    return repr(value.get("name"))


def _same_backbone(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Content where both know it, else the revision where both know it, else the name."""
    if old.get("sha256") and new.get("sha256"):
        return old["sha256"] == new["sha256"]
    if old.get("revision") and new.get("revision"):
        return (old.get("name"), old["revision"]) == (new.get("name"), new["revision"])
    return old.get("name") == new.get("name")


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The fields both identities record that differ, in LABELS order."""
    found = []
    for field in LABELS:
        if field not in old or field not in new:
            continue
        a, b = old[field], new[field]
        if field == "eval_on" and isinstance(a, dict) and isinstance(b, dict):  # another --eval-on set is no conflict
            a, b = ({k: v for k, v in d.items() if k in a.keys() & b.keys()} for d in (a, b))
        same = _same_backbone(a, b) if field == "backbone" and isinstance(a, dict) and isinstance(b, dict) else a == b
        if not same:
            found.append(field)
    return found


def check_identity(run_dir: Path, current: dict[str, Any], cache: Path) -> None:
    """Refuse to reuse `run_dir` when what it was made with differs from what this grid would use (one line)."""
    old = recorded_identity(read_config(run_dir), cache)
    changed = differences(old, current)
    if changed:
        field = changed[0]
        raise ClsDataError(
            f"{run_dir} was made with {LABELS[field]} {describe(field, old[field])}; this grid uses "
            f"{describe(field, current[field])}: choose another --out, or delete that folder to redo it"
        )
