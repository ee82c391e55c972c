"""The benchmark's data pipeline: open a built dataset, tokenize once (cached), length-grouped batches.

Token ids are kept as ragged numpy arrays (one flat int32 array + offsets per column), cached on
disk under a key made of the dataset fingerprint, the codec (tokenizer and language codes), the
split, the column, its role and its length limit, so every run on the same dataset and backbone
reuses them. Batches group similar lengths and round shapes up to multiples of 64 (source) / 16
(target) tokens, so a handful of distinct shapes recur (cheap for cuDNN plans and torch.compile).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cls_data.benchmark.codec import TextCodec
from cls_data.benchmark.config import TrainConfig
from cls_data.dataset_folder import (
    BUILD_INFO,
    DATA_DIR,
    check_parquet,
    fingerprint,
    missing_splits,
    read_build_info,
    split_files,
)
from cls_data.errors import ClsDataError

COLUMNS = ("id", "text", "summary", "cls_summary")
IGNORE_INDEX = -100
ENCODE_CHUNK = 2000  # texts per tokenizer call: large enough for the fast tokenizer, small enough for progress


@dataclass
class ClsDataset:
    """A built dataset (a `cls-data build` folder or a Hub id) with its language pair."""

    name: str  # run-folder name: the folder's name, or the Hub id with "/" -> "__"
    path: str
    fingerprint: str
    src_lang: str
    tgt_lang: str
    splits: Any  # datasets.DatasetDict

    def split(self, name: str, columns: tuple[str, ...] = ()) -> Any:
        """One split, checked for the columns a stage reads; a miss is one clear line."""
        if name not in self.splits:
            raise ClsDataError(f"dataset {self.path} has no split {name!r}; it has: {', '.join(self.splits)}")
        split = self.splits[name]
        missing = [c for c in columns if c not in split.column_names]
        if missing:
            raise ClsDataError(
                f"dataset {self.path} split {name!r} has no column {missing[0]!r}; it has: "
                f"{', '.join(split.column_names)}"
            )
        return split


def open_dataset(path_or_id: str | Path, *, src_lang: str | None = None, tgt_lang: str | None = None) -> ClsDataset:
    """Load a folder written by `cls-data build` (no network) or a Hub dataset id with `datasets`.

    The language pair comes from the folder's `build_info.json`, unless given explicitly.
    """
    import datasets

    datasets.disable_progress_bars()  # the CLI shows its own progress
    path = Path(path_or_id)
    info: dict = {}
    unreachable = None  # why a Hub id's build_info.json could not be fetched (the network), if it could not
    files = split_files(path) if path.is_dir() else {}
    if path.is_dir():
        name = path.resolve().name
        info = read_build_info(path) or {}
        if not files:
            raise ClsDataError(
                f"{path} holds no parquet splits (an --ids-only build has no text; rebuild it with --ids)"
            )
        gone = missing_splits(path, info)
        if gone:  # the fingerprint would only say "another dataset version"
            raise ClsDataError(
                f"{path}: split file(s) missing: {', '.join(gone)} (build_info.json lists them; no "
                f"{DATA_DIR}/<split>-*.parquet here): copy the dataset folder again or rebuild it"
            )
    elif str(path_or_id).count("/") == 1 and not str(path_or_id).startswith((".", "/")):
        name = str(path_or_id).replace("/", "__")
        info, unreachable = _hub_build_info(str(path_or_id))
    else:
        raise ClsDataError(f"--dataset {path_or_id}: no such folder, and not a Hub id (owner/name)")
    for file in (f for group in files.values() for f in group):
        check_parquet(file)  # a truncated file: one line naming it, not a traceback from datasets
    src, tgt = src_lang or info.get("src_lang"), tgt_lang or info.get("tgt_lang")
    if not src or not tgt:  # offline or unreachable, the network is the reason, not a missing file
        raise ClsDataError(
            unreachable or f"{path_or_id}: no build_info.json with src_lang/tgt_lang; pass --src-lang and --tgt-lang"
        )
    try:
        # A local folder is read through its parquet files: `load_dataset(folder)` keys its cache by
        # the card's YAML alone, so every Vi2ZhLow folder would share (and return) one cached copy.
        splits = (
            datasets.load_dataset("parquet", data_files={k: [str(f) for f in v] for k, v in files.items()})
            if files
            else datasets.load_dataset(str(path_or_id))
        )
    except (FileNotFoundError, ConnectionError, OSError, ValueError, datasets.exceptions.DatasetGenerationError) as exc:
        raise ClsDataError(
            f"cannot load dataset {path_or_id}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None
    except Exception as exc:  # the HTTP client's own errors (not OSErrors) while fetching a Hub dataset
        from cls_data.network import hub_unreachable, network_cause

        if network_cause(exc) is None:
            raise
        raise ClsDataError(hub_unreachable(f"--dataset {path_or_id}", exc)) from None
    return ClsDataset(
        name=name,
        path=str(path_or_id),
        fingerprint=_fingerprint(files, splits),
        src_lang=src,
        tgt_lang=tgt,
        splits=splits,
    )


def _hub_build_info(repo_id: str) -> tuple[dict, str | None]:
    """(the Hub dataset's build_info.json or {}, the network failure that kept it from us or None).

    A dataset not made by cls-data has none (its languages must be given); one in the local cache
    loads offline when they are given, so an unreachable Hub is said only when they are needed.
    """
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import LocalEntryNotFoundError, RepositoryNotFoundError

    from cls_data.network import hub_unreachable, network_cause

    try:
        info = Path(hf_hub_download(repo_id, BUILD_INFO, repo_type="dataset")).read_text(encoding="utf-8")
        return json.loads(info), None
    except RepositoryNotFoundError as exc:
        if network_cause(exc) is None:
            raise ClsDataError(
                f"--dataset {repo_id}: no such dataset on the Hub (or a private one: log in with `hf auth login`)"
            ) from None
        return {}, hub_unreachable(f"--dataset {repo_id}", exc)
    except LocalEntryNotFoundError as exc:  # not cached, and the Hub out of reach (offline mode, no network)
        return {}, hub_unreachable(f"--dataset {repo_id}", exc)
    except Exception as exc:  # a Hub dataset not made by cls-data: the languages must then be given
        return {}, (hub_unreachable(f"--dataset {repo_id}", exc) if network_cause(exc) is not None else None)


def _fingerprint(files: dict[str, list[Path]], splits: Any) -> str:
    """A local folder's fingerprint (`dataset_folder.fingerprint`), or one of the Hub splits' own fingerprints."""
    if files:
        return fingerprint(files)
    digest = hashlib.sha256()
    for name in sorted(splits):
        digest.update(f"{name}:{splits[name]._fingerprint}".encode())
    return digest.hexdigest()[:16]


def train_split_for_size(
    dataset: ClsDataset, size: int, capped_at: int | None = None
) -> tuple[str, int | None, str | None]:
    """(split, first-N limit or None, note) for a train size: `train_<size>` when built, else `train`
    when it has exactly `size` rows (1000/3000/5000 -> train_1000/train_3000/train), else its first N.

    A preset that caps training pairs anyway (`capped_at`, smoke) takes a small dataset's whole train split.
    """
    if f"train_{size}" in dataset.splits:
        return f"train_{size}", None, None
    rows = dataset.split("train").num_rows
    if rows == size:
        return "train", None, None
    if size < rows:
        return "train", size, f"train size {size}: no train_{size} split, using the first {size} of train ({rows} rows)"
    if capped_at is not None and capped_at <= rows:
        return (
            "train",
            None,
            f"train size {size}: the dataset has {rows} training pairs; this preset trains on {capped_at} anyway",
        )
    sizes = sorted({int(name.split("_", 1)[1]) for name in dataset.splits if re.fullmatch(r"train_\d+", name)} | {rows})
    raise ClsDataError(
        f"train size {size}: dataset {dataset.path} has only {rows} training pairs; "
        f"its train splits hold {', '.join(map(str, sizes))} (pass --train-sizes {','.join(map(str, sizes))})"
    )


@dataclass
class Ragged:
    """Variable-length token sequences: `flat[offsets[i]:offsets[i+1]]` is sequence i."""

    flat: np.ndarray
    offsets: np.ndarray

    @classmethod
    def from_lists(cls, seqs: list[list[int]]) -> Ragged:
        lengths = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
        offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        flat = np.fromiter(itertools.chain.from_iterable(seqs), dtype=np.int32, count=int(offsets[-1]))
        return cls(flat, offsets)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def row(self, i: int) -> np.ndarray:
        return self.flat[self.offsets[i] : self.offsets[i + 1]]

    def take(self, indices: np.ndarray) -> Ragged:
        lengths = self.lengths[indices]
        offsets = np.zeros(len(indices) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        positions = np.repeat(self.offsets[indices] - offsets[:-1], lengths) + np.arange(offsets[-1])
        return Ragged(self.flat[positions], offsets)


@dataclass
class Encoded:
    """One split as token ids: sources, cross-lingual labels and (two-task stages) monolingual labels."""

    ids: list[str]
    src: Ragged
    tgt: Ragged
    mono: Ragged | None = None
    references: list[str] = field(default_factory=list)  # the target column's text, for ROUGE

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, indices: np.ndarray) -> Encoded:
        return Encoded(
            [self.ids[i] for i in indices],
            self.src.take(indices),
            self.tgt.take(indices),
            self.mono.take(indices) if self.mono is not None else None,
            [self.references[i] for i in indices],
        )


Progress = Callable[[str, int, int], None]  # (phase, done, total)


def encode_split(
    dataset: ClsDataset,
    split: str,
    codec: TextCodec,
    *,
    source: str,
    target: str,
    mono_target: str | None = None,
    src_max_len: int = 768,
    tgt_max_len: int = 128,
    limit: int | None = None,
    cache_dir: Path | None = None,
    on_progress: Progress | None = None,
    lowercase_like_code: bool = False,
    two_target: bool | None = None,
) -> Encoded:
    """Token ids of one split's columns (sources truncated at `src_max_len`, targets at `tgt_max_len`), cached.

    `lowercase_like_code` (--paper-code): the target column, and the references scored against it, lowercased where
    the paper's code lowercased it: an English target (`d['tgt'].lower()`), and any language in its two-target
    loader (`split('O.o')[1].lower()`; `two_target`: a stage with a monolingual target, default `mono_target` given).
    The monolingual target is never lowercased (the code kept `[0]` as is)."""
    columns = ("id", source, target, *((mono_target,) if mono_target else ()))
    table = dataset.split(split, columns)
    if limit is not None:
        table = table.select(range(min(limit, table.num_rows)))
    two_target = mono_target is not None if two_target is None else two_target
    lowered = lowercase_like_code and (two_target or _language(dataset, target) == "en")
    if lowered:
        table = table.map(lambda row: {target: row[target].lower()}, keep_in_memory=True, load_from_cache_file=False)
    jobs = [(source, "source", src_max_len), (target, "target", tgt_max_len)]
    if mono_target:
        jobs.append((mono_target, "mono", tgt_max_len))
    arrays = [
        _encode_column(
            dataset,
            split,
            table,
            column,
            role,
            max_len,
            codec,
            limit,
            cache_dir,
            on_progress,
            lowered and role == "target",
        )
        for column, role, max_len in jobs
    ]
    return Encoded(list(table["id"]), arrays[0], arrays[1], arrays[2] if mono_target else None, list(table[target]))


def _language(dataset: ClsDataset, column: str) -> str:
    """A column's language: cls_summary is in the target language, every other column in the source language."""
    from cls_data.text import base_language

    return base_language(dataset.tgt_lang if column == "cls_summary" else dataset.src_lang)


def _encode_column(
    dataset: ClsDataset,
    split: str,
    table: Any,
    column: str,
    role: str,
    max_len: int,
    codec: TextCodec,
    limit: int | None,
    cache_dir: Path | None,
    on_progress: Progress | None,
    lowered: bool = False,
) -> Ragged:
    lower = "|lower" if lowered else ""  # --paper-code's lowercased English targets are other tokens
    key = f"{dataset.fingerprint}|{codec.key}|{split}|{limit}|{column}|{role}|{max_len}{lower}"
    key = hashlib.sha1(key.encode()).hexdigest()[:20]
    file = cache_dir / f"{dataset.name}-{split}-{column}-{role}-{key}.npz" if cache_dir else None
    if file is not None and file.exists():
        with np.load(file) as cached:
            return Ragged(cached["flat"], cached["offsets"])
    texts = table[column]
    seqs: list[list[int]] = []
    for start in range(0, len(texts), ENCODE_CHUNK):
        seqs.extend(codec.encode(texts[start : start + ENCODE_CHUNK], role, max_len))
        if on_progress:
            on_progress(f"tokenize {split}/{column}", min(start + ENCODE_CHUNK, len(texts)), len(texts))
    ragged = Ragged.from_lists(seqs)
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_name(f"{file.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp.npz")  # unique to its writer
        np.savez(tmp, flat=ragged.flat, offsets=ragged.offsets)
        os.replace(tmp, file)
    return ragged


def round_up(n: int | np.ndarray, multiple: int) -> Any:
    return -(-n // multiple) * multiple


def length_batches(
    encoded: Encoded, cfg: TrainConfig, *, seed: int, epoch: int, shuffle: bool = True, batch_size: int | None = None
) -> list[np.ndarray]:
    """Index batches of similar source length; the same (seed, epoch) always gives the same batches.

    Shuffled pools of 64 batches' worth of pairs are sorted by bucketed length and cut into
    batches (a fixed count, or as many as fit `cfg.token_budget` padded source tokens); the
    batches are then shuffled, so lengths mix across steps but rarely inside a batch.
    `cfg.batching == "shuffle"` cuts the shuffled order as it comes (the paper's code): no sorting.
    """
    n = len(encoded)
    src_len = round_up(encoded.src.lengths, cfg.src_multiple)
    tgt_len = round_up(encoded.tgt.lengths, cfg.tgt_multiple)
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(n) if shuffle else np.arange(n)
    size = batch_size or cfg.batch_size
    pool = 64 * (size if cfg.token_budget is None else max(1, cfg.token_budget // max(int(src_len.mean()), 1)))
    batches: list[np.ndarray] = []
    for start in range(0, n, pool):
        chunk = order[start : start + pool]
        if cfg.batching == "length":
            chunk = chunk[np.lexsort((tgt_len[chunk], src_len[chunk]))]
        if cfg.token_budget is None:
            batches.extend(chunk[i : i + size] for i in range(0, len(chunk), size))
            continue
        begin, longest = 0, 0
        for end in range(1, len(chunk) + 1):  # per pair, not per token; the batch is padded to its longest source
            width = max(longest, int(src_len[chunk[end - 1]]))
            if end - begin > 1 and (end - begin) * width > cfg.token_budget:
                batches.append(chunk[begin : end - 1])
                begin, width = end - 1, int(src_len[chunk[end - 1]])
            longest = width
        batches.append(chunk[begin:])
    if shuffle:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def _pad(ragged: Ragged, indices: np.ndarray, width: int, fill: int) -> np.ndarray:
    out = np.full((len(indices), width), fill, dtype=np.int64)
    for row, i in enumerate(indices):
        seq = ragged.row(int(i))
        out[row, : len(seq)] = seq
    return out


def collate(encoded: Encoded, indices: np.ndarray, cfg: TrainConfig, pad_id: int) -> dict[str, Any]:
    """Tensors for one batch, padded to the batch's longest sequence rounded up to the bucket multiple."""
    import torch

    src_lengths = encoded.src.lengths[indices]
    src_width = int(round_up(int(src_lengths.max()), cfg.src_multiple))
    batch = {
        "input_ids": torch.from_numpy(_pad(encoded.src, indices, src_width, pad_id)),
        "attention_mask": torch.from_numpy((np.arange(src_width)[None, :] < src_lengths[:, None]).astype(np.int64)),
    }
    targets = [("labels", encoded.tgt)] + ([("mono_labels", encoded.mono)] if encoded.mono is not None else [])
    for key, ragged in targets:
        width = int(round_up(int(ragged.lengths[indices].max()), cfg.tgt_multiple))
        batch[key] = torch.from_numpy(_pad(ragged, indices, width, IGNORE_INDEX))
    return batch


def fixed_subset(n: int, size: int | None, seed: int = 0) -> np.ndarray:
    """The same validation subset for every run and epoch (sorted indices); all of them when size is None."""
    if size is None or size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).permutation(n)[:size])
