"""`Registry`: named things of one kind (presets, dataset kinds, variants, weightings, translator backends, families).

Modelled on lm-evaluation-harness's registry: each name is written once, where the thing is defined
(`@REG.register("name")` on a class or function, or `REG.register("name", obj)`); an entry may be a lazy
"module:attribute" string, imported on first lookup, so listing names (`--help`) imports nothing heavy;
`modules` are imported before the first lookup, so the things they register are found. A registry is a
read-only mapping in registration order; a miss is one `ClsDataError` line that lists every valid name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

from cls_data.errors import ClsDataError

T = TypeVar("T")


class UnknownName(ClsDataError, KeyError):
    """A name no entry has: a `ClsDataError` (one line for people) and a `KeyError` (so `Mapping.get` works)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def import_target(target: str) -> Any:
    """Import a "module:attribute" string."""
    module, _, attribute = target.partition(":")
    if not attribute:
        raise ValueError(f"{target!r} is not a 'module:attribute' string")
    return getattr(importlib.import_module(module), attribute)


class Registry(Mapping[str, T], Generic[T]):
    """Named entries of one kind (`kind` names it in messages: "unknown preset 'x'; choose one of: ...").

    A mapping (`reg[name]`, `name in reg`, `reg.values()`); `reg[name] = obj` replaces an entry on purpose."""

    def __init__(self, kind: str, modules: Sequence[str] = ()) -> None:
        self.kind = kind
        self.modules = list(modules)  # imported on first lookup; the order they register in is the listing order
        self._entries: dict[str, T | str] = {}
        self._lazy: set[str] = set()
        self._loaded = not self.modules

    def register(self, name: str, obj: T | None = None, *, lazy: str | None = None) -> Any:
        """`register(name, obj)`, `register(name, lazy="module:attr")`, or `@register(name)` as a decorator.

        Registering a name twice is an error, unless it is the same object again (a module reloaded by a test).
        """
        if lazy is not None:
            self._add(name, lazy, lazy=True)
            return lazy
        if obj is not None:
            self._add(name, obj)
            return obj

        def decorator(target: T) -> T:
            self._add(name, target)
            return target

        return decorator

    def _add(self, name: str, obj: T | str, lazy: bool = False) -> None:
        old = self._entries.get(name)
        if old is not None and not _same(old, obj):
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = obj
        self._lazy.discard(name)
        if lazy:
            self._lazy.add(name)

    def unregister(self, name: str) -> None:
        """Forget an entry (a test that registers a throwaway one cleans up with this)."""
        self._entries.pop(name, None)
        self._lazy.discard(name)

    def __setitem__(self, name: str, obj: T) -> None:
        """Replace or add an entry on purpose (`monkeypatch.setitem` in tests); `register` refuses a second one."""
        self._entries[name] = obj
        self._lazy.discard(name)

    def __delitem__(self, name: str) -> None:
        if name not in self._entries:
            raise KeyError(name)
        self.unregister(name)

    def load(self) -> None:
        """Import `modules` once (they register their entries)."""
        if self._loaded:
            return
        self._loaded = True
        for module in self.modules:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:  # the module exists but one of its imports is missing
                    raise

    def names(self) -> list[str]:
        self.load()
        return list(self._entries)

    def unknown(self, name: object, hint: str = "") -> UnknownName:
        """The one-line error for a name no entry has."""
        return UnknownName(f"unknown {self.kind} {name!r}; choose one of: {', '.join(self.names())}{hint}")

    def __getitem__(self, name: str) -> T:
        self.load()
        if name not in self._entries:
            raise self.unknown(name)
        if name in self._lazy:
            self._entries[name] = import_target(self._entries[name])  # type: ignore[arg-type]
            self._lazy.discard(name)
        return self._entries[name]  # type: ignore[return-value]

    def __contains__(self, name: object) -> bool:
        self.load()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def help(self, describe: Callable[[str, T], str] | None = None, sep: str = ", ") -> str:
        """The names for a CLI help text: "a, b, c", or each with `describe(name, entry)` ("a (what a does)")."""
        if describe is None:
            return sep.join(self.names())
        return sep.join(f"{name} ({describe(name, self[name])})" for name in self.names())


def _same(old: Any, new: Any) -> bool:
    """The same entry again: the same object, or a class/function of the same qualified name (a reloaded module)."""
    if old is new or old == new:
        return True
    key = lambda obj: (getattr(obj, "__module__", None), getattr(obj, "__qualname__", None))  # noqa: E731
    return key(old)[1] is not None and key(old) == key(new)
