"""Telling a network failure (no connection, DNS, timeout, offline mode) from other errors, for one `error:` line.

The Hub libraries raise the exceptions of whichever HTTP client they use (httpx, httpx2, requests,
urllib3, each with its own classes, none of them an OSError), so a failure is recognised by the
module its class comes from, not by a class we would have to import.
"""

from __future__ import annotations

HTTP_CLIENTS = {"httpx", "httpx2", "httpcore", "httpcore2", "requests", "urllib3"}


def is_network_error(exc: BaseException) -> bool:
    """Whether `exc` says the server could not be reached or answered at the transport level."""
    if getattr(exc, "response", None) is not None:  # the server answered (an HTTP status): not a network failure
        return False
    if isinstance(exc, (ConnectionError, TimeoutError)):  # huggingface_hub's OfflineModeIsEnabled is a ConnectionError
        return True
    return any(cls.__module__.split(".")[0] in HTTP_CLIENTS for cls in type(exc).__mro__ if cls is not Exception)


def describe(exc: BaseException) -> str:
    """ "ConnectError: [Errno 111] Connection refused": the class and the first line of its message."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def network_cause(exc: BaseException) -> BaseException | None:
    """The network failure behind `exc` (itself or one it was raised from), or None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if is_network_error(current):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def hub_unreachable(what: str, exc: BaseException, endpoint: str | None = None) -> str:
    """One line for a Hub operation that failed on the network: what, where, why, and what to check."""
    cause = network_cause(exc) or exc
    if type(cause).__name__ == "OfflineModeIsEnabled":
        return (
            f"{what}: the Hub is not reachable in offline mode (HF_HUB_OFFLINE is set); unset it, or use a local folder"
        )
    if endpoint is None:
        from huggingface_hub import constants

        endpoint = constants.ENDPOINT
    return (
        f"{what}: cannot reach the Hub at {endpoint} ({describe(cause)}); check the network connection (or HF_ENDPOINT)"
    )
