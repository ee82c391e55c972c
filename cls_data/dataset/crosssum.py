"""CrossSum (Bhattacharjee et al., ACL 2023) as an external, test-only dataset folder: `cls-data build crosssum`.

CrossSum aligns BBC articles across languages and pairs an article in one language with the summary
a BBC editor wrote in another. Its release has one JSONL (or parquet) file per direction and split,
`<source language>-<target language>_<split>.jsonl` (e.g. `vietnamese-chinese_simplified_test.jsonl`),
each line with `source_url`, `target_url`, `text` (the article) and `summary` (the other-language
summary). `--from` takes such a file, a folder holding a direction's files (every split is read:
none was used to train our models; each row keeps its `crosssum_split`), or the Hub id
`csebuetnlp/CrossSum` when online. The folder has one `test` split (columns id, text, summary,
cls_summary: `summary` is empty, CrossSum has no source-language summary), build_info.json and a card.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.dataset_folder import BUILD_INFO, CARD, write_split
from cls_data.errors import ClsDataError
from cls_data.outputs import write_json_atomic, write_text_atomic
from cls_data.records import numbered_lines
from cls_data.text import language_problem, normalize

HUB_ID = "csebuetnlp/CrossSum"
LANGUAGES = {
    "vi": "vietnamese",
    "zh": "chinese_simplified",
    "en": "english",
    "ja": "japanese",
    "ko": "korean",
    "th": "thai",
    "id": "indonesian",
    "fr": "french",
    "es": "spanish",
}
LICENSE = "cc-by-nc-sa-4.0"
BIB = """@inproceedings{bhattacharjee-etal-2023-crosssum,
  title = "{C}ross{S}um: Beyond {E}nglish-Centric Cross-Lingual Summarization for 1,500+ Language Pairs",
  author = "Bhattacharjee, Abhik and Hasan, Tahmid and Ahmad, Wasi Uddin and Li, Yuan-Fang and
            Kang, Yong-Bin and Shahriyar, Rifat",
  booktitle = "Proceedings of ACL 2023",
  year = "2023",
  pages = "2541--2564"
}"""
COLUMNS = ("id", "text", "summary", "cls_summary", "source_url", "target_url", "crosssum_split")


@dataclass
class CrossSumResult:
    folder: Path
    kept: int
    read: int
    files: list[Path]
    dropped: Counter = field(default_factory=Counter)  # reason -> count


def parse_pair(pair: str) -> tuple[str, str]:
    src, sep, tgt = pair.partition("-")
    if not sep or src not in LANGUAGES or tgt not in LANGUAGES or src == tgt:
        raise ClsDataError(f"--pair {pair!r}: write it as SRC-TGT with two of {', '.join(LANGUAGES)} (e.g. vi-zh)")
    return src, tgt


def direction(src: str, tgt: str) -> str:
    return f"{LANGUAGES[src]}-{LANGUAGES[tgt]}"


def find_files(source: str, src: str, tgt: str) -> list[Path]:
    """The direction's released files under `source` (a file, a folder, or the Hub id, downloaded when online)."""
    path = Path(source).expanduser()
    name = direction(src, tgt)
    if not path.exists() and source.count("/") == 1 and not source.startswith((".", "/", "~")):
        path = _download(source, name)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ClsDataError(f"--from {source}: no such file or folder (give CrossSum's {name}_test.jsonl or its folder)")
    files = sorted(p for p in path.rglob(f"{name}_*") if p.suffix in (".jsonl", ".parquet"))
    if not files:
        raise ClsDataError(f"--from {source}: no {name}_<split>.jsonl (or .parquet) file in it")
    return files


def _download(repo_id: str, name: str) -> Path:
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id, repo_type="dataset", allow_patterns=[f"*{name}_*"]))
    except Exception as exc:  # offline, no such repo: one line, whatever the hub client raised
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
        raise ClsDataError(
            f"--from {repo_id}: cannot download CrossSum's {name} files ({first}); download them where "
            f"there is internet (`huggingface-cli download {HUB_ID} --repo-type dataset --include "
            f"'*{name}_*'`) and give the folder"
        ) from None


def _records(file: Path) -> list[tuple[str, dict]]:
    """(where, record) of one released file; a malformed line stops with file and line."""
    if file.suffix == ".parquet":
        import pyarrow.parquet as pq

        return [(f"{file} row {i}", row) for i, row in enumerate(pq.read_table(file).to_pylist(), start=1)]
    records = []
    for line_no, line in numbered_lines(file):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ClsDataError(f"{file}:{line_no}: invalid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("text", "summary")):
            raise ClsDataError(
                f"{file}:{line_no}: not a CrossSum record (needs text and summary strings, and source_url, target_url)"
            )
        records.append((f"{file}:{line_no}", data))
    return records


def _split_of(file: Path, name: str) -> str:
    return file.stem.removeprefix(f"{name}_") or "test"


def read_pairs(
    files: list[Path], tgt: str, name: str, on_progress: Callable[[str], None] | None = None
) -> tuple[list[dict], Counter, int]:
    """The rows kept from the released files, the drops by reason, and the records read."""
    rows, seen, dropped, read = [], set(), Counter(), 0
    for file in files:
        if on_progress:
            on_progress(f"reading {file.name}")
        for _, data in _records(file):
            read += 1
            text, summary = normalize(str(data.get("text") or "")), normalize(str(data.get("summary") or ""))
            key = (str(data.get("source_url") or ""), str(data.get("target_url") or ""), text[:200])
            problem = language_problem(summary, tgt)
            if not text or not summary:
                dropped["empty text or summary"] += 1
            elif key in seen:
                dropped["duplicate pair"] += 1
            elif problem:
                dropped[f"summary {problem}"] += 1
            else:
                seen.add(key)
                digest = hashlib.sha256("\x00".join(key).encode("utf-8")).hexdigest()[:12]
                rows.append(
                    {
                        "id": f"crosssum-{digest}",
                        "text": text,
                        "summary": "",
                        "cls_summary": summary,
                        "source_url": key[0],
                        "target_url": key[1],
                        "crosssum_split": _split_of(file, name),
                    }
                )
    return rows, dropped, read


def build_crosssum(
    source: str, pair: str, out: Path, on_progress: Callable[[str], None] | None = None
) -> CrossSumResult:
    """Write `<out>/CrossSum-<src>2<tgt>/`: the direction's pairs as one test split, build_info.json and a card."""
    src, tgt = parse_pair(pair)
    files = find_files(source, src, tgt)
    name = direction(src, tgt)
    rows, dropped, read = read_pairs(files, tgt, name, on_progress)
    if not rows:
        raise ClsDataError(f"--from {source}: no usable {name} pair ({read} read)")
    folder = out / f"CrossSum-{src}2{tgt}"
    folder.mkdir(parents=True, exist_ok=True)
    for old in (folder / "data").glob("*.parquet"):
        old.unlink()  # a rebuild replaces the split (its file name carries a content hash)
    data_file = write_split(folder, "test", rows, COLUMNS)
    splits = Counter(row["crosssum_split"] for row in rows)
    info = {
        "kind": "crosssum",
        "name": folder.name,
        "src_lang": src,
        "tgt_lang": tgt,
        "test_only": True,
        "sizes": {"test": len(rows)},
        "crosssum_direction": name,
        "crosssum_splits": dict(splits),
        "inputs": [str(f) for f in files],
        "read": read,
        "dropped": dict(dropped),
        "license": LICENSE,
    }
    write_json_atomic(folder / BUILD_INFO, info, indent=1)
    write_text_atomic(folder / CARD, card(folder.name, src, tgt, len(rows), data_file, splits, dropped))
    return CrossSumResult(folder, len(rows), read, files, dropped)


def card(name: str, src: str, tgt: str, n: int, data_file: str, splits: Counter, dropped: Counter) -> str:
    counts = ", ".join(f"{k} {v:,}" for k, v in sorted(splits.items()))
    drops = "; ".join(f"{k}: {v:,}" for k, v in sorted(dropped.items())) or "none"
    return f"""---
license: {LICENSE}
language:
- {src}
- {tgt}
task_categories:
- summarization
configs:
- config_name: default
  data_files:
  - split: test
    path: {data_file}
---

# {name}: CrossSum {direction(src, tgt)} as an external test set

A **test-only** set for cross-lingual summarization models trained elsewhere (e.g. on Vi2ZhLow):
{n:,} {LANGUAGES[src]} BBC articles, each with the {LANGUAGES[tgt]} summary a BBC editor wrote for the
aligned article, from CrossSum (Bhattacharjee et al., ACL 2023). Unlike Vi2ZhLow's machine-translated
references, these summaries were written by people, in another newsroom and on other topics.

- **Rows**: `id`, `text` (the article), `cls_summary` (the {LANGUAGES[tgt]} summary), `summary` (empty:
  CrossSum has no same-language summary), `source_url`, `target_url`, `crosssum_split`.
- **From CrossSum's splits**: {counts}. None of them trains our models, so all are kept; filter on
  `crosssum_split == "test"` to compare with CrossSum's own test numbers.
- **Dropped**: {drops}.
- **Licence**: CC BY-NC-SA 4.0, as CrossSum (non-commercial; share alike; attribute CrossSum and the BBC).

## Citation

```bibtex
{BIB}
```
"""
