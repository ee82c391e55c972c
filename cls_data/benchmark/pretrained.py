"""Pretrained tokenizers and weights from a local folder, the Hugging Face cache or the Hub, or one clear line.

Without network, `from_pretrained` on an uncached Hub id spends about a minute in the Hub
client's retries before it fails; a Hub whose host does not resolve or refuses the connection is
known in milliseconds, so the user is told at once.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

from cls_data.errors import ClsDataError

T = TypeVar("T")


def from_pretrained(load: Callable[[str], T], name: str | Path, what: str) -> T:
    """`load(name)` for a local folder or a Hub id; `what` names the thing in the error ("backbone", ...)."""
    name = str(name)
    if not Path(name).is_dir() and not _cached(name):
        problem = _hub_unreachable()
        if problem:
            raise ClsDataError(_message(what, name, problem))
    try:
        return load(name)
    except OSError as exc:
        raise ClsDataError(_message(what, name, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)) from None


def _message(what: str, name: str, why: str) -> str:
    return (
        f"cannot load {what} {name!r}: not a local folder and not in the Hugging Face cache "
        f"(no network? download it once with `hf download {name}` or pass --backbone PATH) [{why}]"
    )


def _cached(repo_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)
    except Exception:  # not a valid repo id: let the loader say what is wrong with it
        return True


def _hub_unreachable(timeout: float = 3.0) -> str | None:
    """Why the Hub cannot be reached (offline mode, unresolvable host, refused connection), or None."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return "HF_HUB_OFFLINE is set"
    endpoint = urlparse(os.environ.get("HF_ENDPOINT") or constants.ENDPOINT)
    host, port = endpoint.hostname or "", endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except socket.gaierror:
        return f"{host} cannot be resolved"
    except OSError as exc:  # refused, unreachable, timed out: a proxy may still get through, so only these
        if isinstance(exc, ConnectionRefusedError):
            return f"{host}:{port} refused the connection"
        return None
