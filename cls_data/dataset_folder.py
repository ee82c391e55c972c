"""THE built-dataset folder format (docs/file-formats.md), written by `cls-data build` and read by everything else.

`<out>/<Name>/` holds `data/<split>-00000-of-00001-<content hash>.parquet` (one file per split; an
`--ids-only` build has none), `README.md` (the dataset card, whose YAML maps splits to files),
`build_info.json` (kind, languages, sizes, inputs, provenance), `stats.json` and `ids.json`. This
module names those files, writes and lists the splits, reads one, and computes the folder's one
fingerprint (the content of its parquet files). It sits at the bottom of the package: the builder,
the benchmark, stats, the case study and the demo all read the folder through it. No torch, no
`datasets`; pyarrow is imported only where parquet is read or written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
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
        raise ClsDataError(f"{file}: not a readable parquet file, truncated or damaged ({why}); rebuild the dataset "
                           f"or copy the file again") from None


def read_split(folder: Path, split: str, columns: list[str] | None = None) -> Any:
    """One split as a pyarrow Table (its files concatenated), or None when the folder has no such split."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = split_files(folder).get(split)
    if not files:
        return None
    return pa.concat_tables([pq.read_table(file, columns=columns) for file in files])


def fingerprint(files: dict[str, list[Path]]) -> str:
    """The folder's version: a hash of its parquet files' names and contents (runs on another version are not reused)."""
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
        raise ClsDataError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
                           "rebuild the dataset or restore the file") from None
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
