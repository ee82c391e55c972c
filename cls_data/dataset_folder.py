"""THE built-dataset folder format (docs/formats.md), written by `cls-data build` and read by everything else.

`<out>/<Name>/` holds `data/<split>-00000-of-00001-<content hash>.parquet` (one file per split; an
`--ids-only` build has none), `README.md` (the dataset card, whose YAML maps splits to files),
`build_info.json` (kind, languages, sizes, inputs, provenance), `stats.json` and `ids.json`. This
module names those files, writes a whole folder (`write_folder`, in one rename) and each split, lists
and reads the splits, and computes the folder's one fingerprint (the content of its parquet files).
It sits at the bottom of the package: the builder writes the folder through it, and the benchmark,
stats, the case study and the demo all read the folder through it. No torch, no
`datasets`; pyarrow is imported only where parquet is read or written.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

DATA_DIR, BUILD_INFO, STATS, IDS, CARD = "data", "build_info.json", "stats.json", "ids.json", "README.md"


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_split(folder: Path, split: str, rows: list[dict], columns: Iterable[str]) -> str:
    """Write one split's rows (string columns) under `folder/data/`; returns its path relative to `folder`.

    The content hash in the name (as datasets' own push_to_hub names shards) changes the card's YAML
    with the data: datasets keys a local folder's cache by that YAML alone, so with fixed names a
    rebuilt or second folder loaded the first one's cached rows.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    (folder / DATA_DIR).mkdir(parents=True, exist_ok=True)
    scratch = folder / DATA_DIR / f"{split}.parquet"
    schema = pa.schema([(name, pa.string()) for name in columns])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), scratch)
    relative = f"{DATA_DIR}/{split}-00000-of-00001-{file_sha256(scratch)[:16]}.parquet"
    scratch.rename(folder / relative)
    return relative


def write_folder(
    target: Path,
    splits: dict[str, list[dict]],
    columns: list[str] | None,
    files: dict[str, Any],
    card: Callable[[dict[str, str]], str],
) -> None:
    """Write a dataset folder at `target` in one rename: each split's rows (`columns`; None = an --ids-only build,
    no parquet), the JSON `files` ({BUILD_INFO: ..., STATS: ..., IDS: ...}) and CARD, `card({split: its file})`.

    The folder is made beside `target` and renamed into place; an earlier folder is removed only after that
    succeeded, so a reader sees the old folder or the new one, never a half-written one.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; the dataset folder is meant to be shared
        written = {split: write_split(tmp, split, rows, columns) for split, rows in splits.items()} if columns else {}
        for name, data in files.items():
            (tmp / name).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (tmp / CARD).write_text(card(written), encoding="utf-8")
        _swap_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Rename the finished folder into place; an earlier build is removed only after that succeeded."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except OSError:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def split_files(folder: Path) -> dict[str, list[Path]]:
    """{split: parquet files} of a built folder (`data/<split>-*.parquet`, or parquet files at its top); {} if none."""
    folder = Path(folder)
    files: dict[str, list[Path]] = {}
    for file in sorted(folder.glob(f"{DATA_DIR}/*.parquet")) or sorted(folder.glob("*.parquet")):
        files.setdefault(file.name.split("-")[0], []).append(file)  # split names hold no "-"
    return files


def check_parquet(file: Path) -> None:
    """One `ClsDataError` line naming a parquet file that cannot be read (a copy cut short, a damaged disk) instead
    of the reader's traceback; reads only the footer."""
    import pyarrow.parquet as pq

    from cls_data.errors import ClsDataError

    try:
        pq.read_metadata(file)
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError in C++ wording
        why = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ClsDataError(
            f"{file}: not a readable parquet file, truncated or damaged ({why}); rebuild the dataset "
            f"or copy the file again"
        ) from None


def read_split(folder: Path, split: str, columns: list[str] | None = None) -> Any:
    """One split as a pyarrow Table (its files concatenated), or None when the folder has no such split."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = split_files(folder).get(split)
    if not files:
        return None
    return pa.concat_tables([pq.read_table(file, columns=columns) for file in files])


def fingerprint(files: dict[str, list[Path]]) -> str:
    """The folder's version: a hash of its parquet files' names and contents (runs on another version are not
    reused)."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for group in files.values() for p in group):
        digest.update(f"{path.name}:{file_sha256(path)}".encode())
    return digest.hexdigest()[:16]


def folder_fingerprint(folder: Path) -> str:
    return fingerprint(split_files(folder))


def _read_object(path: Path) -> dict | None:
    """A JSON object file of the folder, None when absent; unreadable or not an object is one ClsDataError line."""
    from cls_data.errors import ClsDataError

    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ClsDataError(f"{path}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ClsDataError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "rebuild the dataset or restore the file"
        ) from None
    if not isinstance(data, dict):
        raise ClsDataError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def read_build_info(folder: Path) -> dict | None:
    """The folder's build_info.json, or None when it has none."""
    return _read_object(Path(folder) / BUILD_INFO)


def read_stats(folder: Path) -> dict | None:
    """The folder's stats.json (kept by an --ids-only build, which has no text), or None."""
    return _read_object(Path(folder) / STATS)


def missing_splits(folder: Path, info: dict | None) -> list[str]:
    """Splits build_info.json lists (with rows) without a parquet file in the folder: deleted, or not copied."""
    listed = (info or {}).get("splits") if isinstance(info, dict) else None
    if not isinstance(listed, dict) or (info or {}).get("ids_only"):
        return []
    present = split_files(folder)
    return [split for split, rows in listed.items() if rows and split not in present]
