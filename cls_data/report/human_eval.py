"""The human-evaluation kit (the paper's Table 4): Best-Worst Scaling sheets with anonymised, shuffled systems.

`export_kit` writes what raters see (sheet.csv, form.html, answers_template.csv, README.txt) and
what they must not see (key.json: which letter is which system on each item). `cls_data.report.bws`
scores the answers against the key.
"""

from __future__ import annotations

import csv
import html
import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.errors import ClsDataError
from cls_data.outputs import write_json_atomic, write_text_atomic
from cls_data.report.casestudy import load_sources
from cls_data.report.paper import REFERENCE_SYSTEM as REFERENCE  # Table 4's last row, rated as a system
from cls_data.report.runs import RunSet
from cls_data.report.significance import resolve_system
from cls_data.report.tables import DATASET_ORDER, order_key
from cls_data.run_folder import RunRow, read_json_lines

CRITERIA = ("informativeness", "conciseness", "fluency")
KEY_FILE = "key.json"
INSTRUCTIONS = """Best-Worst Scaling: for every item, read the source document and the summaries A, B, C, ...
For each criterion, pick the BEST and the WORST summary (two different letters).
  informativeness: how much of the source's key information the summary carries
  conciseness:     how little it repeats itself or carries what does not matter
  fluency:         how natural and grammatical it reads in its language
Copy answers_template.csv to a file of your own (e.g. answers_<your name>.csv) and fill the
`best` and `worst` columns with letters; leave both empty for a judgement you skip.
Do not open key.json: it says which system wrote which summary.
"""


@dataclass
class ExportResult:
    out: Path
    dataset: str
    train_size: int
    items: int
    systems: list[str]
    notes: list[str] = field(default_factory=list)


def _pick_cell(
    runs: RunSet, systems: Sequence[str], dataset: str | None, size: int | None
) -> tuple[str, int, list[RunRow]]:
    """The (dataset, size) to sample from, and each system's first-seed run there."""
    done = [row for row in runs.done() if row.in_domain]
    cells = sorted(
        {(row.dataset, row.train_size) for row in done}, key=lambda c: (order_key(DATASET_ORDER, c[0]), -c[1])
    )
    for cell_dataset, cell_size in cells:
        if (dataset and cell_dataset != dataset) or (size and cell_size != size):
            continue
        here = sorted(
            (r for r in done if (r.dataset, r.train_size) == (cell_dataset, cell_size)), key=lambda r: r.seed or 0
        )
        names = [resolve_system(name, {r.system for r in here}) for name in systems]
        if all(names):
            return cell_dataset, cell_size, [next(r for r in here if r.system == name) for name in names]
    where = f" on {dataset or 'any dataset'}" + (f" at n={size}" if size else "")
    known = ", ".join(sorted({row.system for row in done}))
    raise ClsDataError(f"no finished runs of all of {', '.join(systems)}{where}; systems run: {known}")


def export_kit(
    runs: RunSet,
    out: Path,
    systems: Sequence[str],
    samples: int = 25,
    dataset: str | None = None,
    size: int | None = None,
    seed: int = 0,
) -> ExportResult:
    if len(systems) < 2 or len(set(systems)) != len(systems):
        raise ClsDataError("--systems needs at least two different systems, e.g. tflcls,mbart-cls,ncls")
    if len(systems) > len(string.ascii_uppercase):
        raise ClsDataError(f"--systems: at most {len(string.ascii_uppercase)} systems fit one sheet")
    models = [name for name in systems if name != REFERENCE]  # at least one: the systems are two or more, all different
    cell_dataset, cell_size, rows = _pick_cell(runs, models, dataset, size)
    predictions = []
    for row in rows:
        path = runs.run_path(row) / "predictions.jsonl"
        if not path.exists():
            raise ClsDataError(f"{path}: missing; the human-evaluation kit needs every system's predictions")
        predictions.append({str(d.get("id")): d for _, d in read_json_lines(path)})
    names = [row.system for row in rows]
    rated_reference = REFERENCE in systems
    if rated_reference:  # the paper's Table 4 rates the reference summaries as one more anonymous system
        predictions.insert(
            systems.index(REFERENCE), {i: {"prediction": d.get("reference", "")} for i, d in predictions[0].items()}
        )
        names.insert(systems.index(REFERENCE), REFERENCE)
    common = sorted(set.intersection(*(set(p) for p in predictions)))
    if not common:
        raise ClsDataError(f"{cell_dataset} n={cell_size}: the systems share no test id")
    rng = random.Random(f"bws-{seed}")
    chosen = rng.sample(common, min(samples, len(common)))
    notes = [] if len(chosen) == samples else [f"only {len(chosen)} test samples are shared by every system"]
    sources = load_sources(runs, rows[0])
    if not sources:
        notes.append("the dataset folder named in config.json is not here: the sheets carry no source documents")
    labels = list(string.ascii_uppercase[: len(names)])
    key_items, sheet_rows = {}, []
    for number, sample_id in enumerate(chosen, start=1):
        item = f"{number:03d}"
        order = list(range(len(names)))
        rng.shuffle(order)  # a fresh order per item, so position says nothing about the system
        key_items[item] = {"sample_id": sample_id, "labels": {labels[i]: names[j] for i, j in enumerate(order)}}
        shown = {} if rated_reference else {"reference": str(predictions[0][sample_id].get("reference", ""))}
        sheet_rows.append(
            {
                "item": item,
                "source": sources.get(sample_id, ""),
                **shown,
                **{labels[i]: str(predictions[j][sample_id].get("prediction", "")) for i, j in enumerate(order)},
            }
        )
    if rated_reference:
        notes.append(f"{REFERENCE} is rated as one of the anonymous summaries, so the sheets show no reference column")
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "sheet.csv", ["item", "source", *([] if rated_reference else ["reference"]), *labels], sheet_rows)
    _write_csv(
        out / "answers_template.csv",
        ["item", "criterion", "best", "worst"],
        [{"item": item, "criterion": c, "best": "", "worst": ""} for item in key_items for c in CRITERIA],
    )
    write_text_atomic(out / "form.html", _form(sheet_rows, labels, cell_dataset))
    write_text_atomic(out / "README.txt", INSTRUCTIONS)
    key = {
        "dataset": cell_dataset,
        "train_size": cell_size,
        "systems": names,
        "criteria": list(CRITERIA),
        "labels": labels,
        "seed": seed,
        "run_dirs": [row.run_dir for row in rows],
        "items": key_items,
    }
    write_json_atomic(out / KEY_FILE, key, indent=1)
    return ExportResult(out, cell_dataset, cell_size, len(chosen), names, notes)


def _write_csv(path: Path, columns: Sequence[str], rows: Sequence[dict]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    # utf-8-sig: spreadsheet programs then read Vietnamese and Chinese correctly
    with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def _form(rows: Sequence[dict], labels: Sequence[str], dataset: str) -> str:
    """A printable form: one item per page, a best/worst box per criterion and letter."""
    boxes = "".join(f"<th>{label}</th>" for label in labels)
    parts = [
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Human evaluation</title><style>',
        "body{font-family:system-ui,'Noto Sans','Noto Sans CJK "
        "SC',sans-serif;max-width:50rem;margin:auto;line-height:1.45}"
        ".item{page-break-after:always;padding:1rem 0}.src{white-space:pre-wrap;border:1px solid #ccc;padding:.5rem}"
        "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #999;padding:.2rem "
        ".6rem;text-align:center}</style></head><body>",
        f"<h1>Human evaluation ({html.escape(dataset)})</h1>",
        f"<pre>{html.escape(INSTRUCTIONS)}</pre>",
    ]
    for row in rows:
        parts.append(
            f'<div class="item"><h2>Item {html.escape(row["item"])}</h2><h3>Source</h3>'
            f'<div class="src">{html.escape(row["source"]) or "(not available)"}</div><h3>Summaries</h3><ol type="A">'
        )
        parts += [f"<li>{html.escape(row[label])}</li>" for label in labels]
        parts.append(f"</ol><table><tr><th>criterion</th><th></th>{boxes}</tr>")
        for criterion in CRITERIA:
            cells = "<td>☐</td>" * len(labels)
            parts.append(f'<tr><td rowspan="2">{criterion}</td><td>best</td>{cells}</tr><tr><td>worst</td>{cells}</tr>')
        parts.append("</table></div>")
    return "".join(parts) + "</body></html>\n"
