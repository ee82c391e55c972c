"""Several servers of one backend (`--translator-url A,B,C`) as one `Translator`, spread by load (`cls_data.balance`).

The replicas are taken to serve one model: the cache keys their answers as the first server's, so a run with one
replica more or less finds the same cache entries. A request that fails with a transient error on one server is sent
to the next; only when every server has failed or is drained does the engine see the error, with a Retry-After of
when the first comes back, and retries it as it would for one server.
"""

from __future__ import annotations

from cls_data.balance import Balancer
from cls_data.errors import ClsDataError
from cls_data.translate.base import ServiceUnreachable, TransientError, Translator


class ServerPool:
    """`members`: one translator per URL, all of one backend."""

    def __init__(self, members: list[Translator], labels: list[str], cooldown: float = 2.0) -> None:
        self.members = members
        self.name = members[0].name
        self.model = members[0].model
        self.max_chars = min(member.max_chars for member in members)
        self.max_items = min(member.max_items for member in members)
        self.balancer = Balancer(labels, cooldown=cooldown)

    @property
    def served(self) -> dict[str, int]:
        """Texts each server answered, in the order of the URLs (0 for one that answered none)."""
        return {label: self.balancer.served[label] for label in self.balancer.labels}

    def codes(self, src: str, tgt: str) -> tuple[str, str]:
        """The first server that answers names the codes (one that is down now is used once it is back)."""
        first: ClsDataError | None = None
        for index, member in enumerate(self.members):
            try:
                return member.codes(src, tgt)
            except ClsDataError as exc:
                first = first or exc
                self.balancer.failed(index)
        raise first or ClsDataError("no translation server")

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        tried: set[int] = set()
        errors: list[TransientError] = []
        while (index := self.balancer.pick(tried)) is not None:
            tried.add(index)
            with self.balancer.using(index):
                try:
                    answer = self.members[index].translate(texts, src, tgt)
                except TransientError as exc:  # this server: drained a while; the texts go to the next one
                    self.balancer.failed(index, exc.retry_after)
                    errors.append(exc)
                    continue
            self.balancer.succeeded(index, len(texts))
            return answer
        wait = self.balancer.next_back()
        last = f" (last: {errors[-1]})" if errors else ""
        message = f"every one of the {len(self.members)} translation servers failed or is drained{last}"
        if errors and all(isinstance(exc, ServiceUnreachable) for exc in errors):
            raise ServiceUnreachable(message, retry_after=wait)
        raise TransientError(message, retry_after=wait)

    def close(self) -> None:
        for member in self.members:
            member.close()
