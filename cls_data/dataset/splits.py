"""Seeded, machine-independent split sampling with nested training subsets."""

from __future__ import annotations

import random
from dataclasses import dataclass

from cls_data.errors import ClsDataError

EVAL_SPLITS = ("validation", "test")


@dataclass(frozen=True)
class SplitSizes:
    """How many samples each split gets; `subsets` are nested prefixes of train (1000 ⊂ 3000 ⊂ train)."""

    train: int = 5000
    validation: int = 3000
    test: int = 3000
    subsets: tuple[int, ...] = (1000, 3000)

    @property
    def total(self) -> int:
        return self.train + self.validation + self.test

    def describe(self) -> str:
        subsets = "+".join(map(str, self.subsets))
        return f"train={self.train},validation={self.validation},test={self.test},subsets={subsets}"

    @classmethod
    def parse(cls, text: str) -> SplitSizes:
        """Parse `train=5000,validation=3000,test=3000,subsets=1000+3000` (any key may be left out)."""
        values: dict = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, value = part.partition("=")
            key = key.strip().lower()
            try:
                if key == "subsets":
                    values[key] = tuple(sorted(int(v) for v in value.split("+") if v.strip()))
                elif key in ("train", "validation", "test"):
                    values[key] = int(value)
                else:
                    raise ClsDataError(f"--sizes: unknown key {key!r}; use train, validation, test, subsets")
            except ValueError:
                raise ClsDataError(f"--sizes: {part!r} is not KEY=NUMBER (subsets=1000+3000)") from None
        sizes = cls(**values)
        if min(sizes.train, sizes.validation, sizes.test, *sizes.subsets) <= 0:
            raise ClsDataError(f"--sizes: every size must be positive, got {sizes.describe()}")
        if any(n >= sizes.train for n in sizes.subsets) or len(set(sizes.subsets)) != len(sizes.subsets):
            raise ClsDataError(f"--sizes: subsets must be distinct and smaller than train ({sizes.describe()})")
        return sizes

    def split_names(self) -> list[str]:
        return ["train", *(f"train_{n}" for n in self.subsets), *EVAL_SPLITS]


def shuffled(ids: list[str], seed: int, pool: str) -> list[str]:
    """`ids` sorted, then shuffled by a generator seeded with (seed, pool).

    Sorting first makes the result independent of input order; `random.Random` seeded with a
    str uses SHA-512 of it, so the order is the same on every machine and Python version
    (built-in `hash()` is salted per process and is never used here).
    """
    order = sorted(ids)
    random.Random(f"cls-data:{seed}:{pool}").shuffle(order)
    return order


def _with_subsets(train: list[str], sizes: SplitSizes) -> dict[str, list[str]]:
    return {"train": train, **{f"train_{n}": train[:n] for n in sizes.subsets}}


def split_one_pool(ids: list[str], sizes: SplitSizes, seed: int) -> dict[str, list[str]]:
    """Split one pool of ids into test, validation and train (in that order of the shuffle)."""
    order = shuffled(ids, seed, "all")
    test, validation = order[: sizes.test], order[sizes.test : sizes.test + sizes.validation]
    train = order[sizes.test + sizes.validation : sizes.total]
    return {**_with_subsets(train, sizes), "validation": validation, "test": test}


def sample_pools(pools: dict[str, list[str]], sizes: SplitSizes, seed: int) -> dict[str, list[str]]:
    """Sample each split from its own pool (NCLS train/valid/test), as the paper did."""
    train = shuffled(pools["train"], seed, "train")[: sizes.train]
    validation = shuffled(pools["valid"], seed, "valid")[: sizes.validation]
    test = shuffled(pools["test"], seed, "test")[: sizes.test]
    return {**_with_subsets(train, sizes), "validation": validation, "test": test}


def check_enough(pools: dict[str, list[str]], sizes: SplitSizes, dropped: int, hint: str = "") -> None:
    """One clear error when deduplicated data cannot fill the requested splits; `hint` says how to get more."""
    after = f" after removing {dropped:,} duplicate, incomplete or unpublishable record(s)" if dropped else ""
    if set(pools) == {"all"}:
        have = len(pools["all"])
        if have < sizes.total:
            raise ClsDataError(
                f"too little data: {sizes.describe()} needs {sizes.total:,} samples, the input has {have:,}{after}"
                f"{hint or '; give more input'} or smaller --sizes"
            )
        return
    wanted = {"train": sizes.train, "valid": sizes.validation, "test": sizes.test}
    short = [
        f"{pool} needs {need:,}, has {len(pools.get(pool, [])):,}"
        for pool, need in wanted.items()
        if len(pools.get(pool, [])) < need
    ]
    if short:
        raise ClsDataError(f"too little data: {'; '.join(short)}{after}; give more input or smaller --sizes")
