"""The case-study page (the paper's Figure 6): source, reference and every variant's output side by side.

One HTML file with its CSS inline and no script or external asset, so it opens offline; every
piece of text from the runs is escaped. Words (tokens of the dataset's ROUGE tokenizer) shared
with the reference are marked, so a reader sees at a glance what each system got right.
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.dataset_folder import read_split
from cls_data.outputs import write_text_atomic
from cls_data.report.runs import RunSet
from cls_data.report.tables import DATASET_ORDER, VARIANT_ORDER, order_key
from cls_data.run_folder import RunRow, read_json, read_json_lines
from cls_data.text import CJK, get_tokenizer, nfc

# Highlighting walks the text with the tokenizer's own token shapes, so marks sit on the original characters.
_SHAPES = {"zh": re.compile(rf"[{CJK}]|[^\W_{CJK}]+"), "en": re.compile(r"[A-Za-z0-9]+"), "vi": re.compile(r"[^\W_]+")}
_MATCH_TOKENIZER = {"zh": "zh", "zh-words": "zh", "en": "en", "vi": "vi"}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","PingFang SC",sans-serif;margin:0;
 background:#f6f7f9;color:#1d1d1f;line-height:1.5}
header,section{max-width:110rem;margin:0 auto;padding:1rem 1.5rem}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}h3{font-size:1rem;margin:.2rem 0}
.sample{background:#fff;border:1px solid #d9dce1;border-radius:8px;margin:1rem 0;padding:1rem}
.source{max-height:11em;overflow:auto;background:#fafafa;border:1px solid #eee;padding:.5rem;white-space:pre-wrap}
.reference{background:#eef6ee;border-left:4px solid #4a9d4a;padding:.5rem .75rem;margin:.5rem 0}
.grid{display:flex;flex-wrap:wrap;gap:.6rem}
.card{flex:1 1 19rem;max-width:40rem;border:1px solid #d9dce1;border-radius:6px;padding:.5rem .75rem;background:#fff}
.card.best{border:2px solid #1b6ca8}.name{font-weight:600;font-family:ui-monospace,monospace;font-size:.9rem}
.scores{color:#555;font-size:.8rem}.empty{color:#a00;font-style:italic}
mark{background:#ffe58a;padding:0 1px;border-radius:2px}nav a{margin-right:1rem}
@media print{.source{max-height:none}}
"""


@dataclass
class CaseStudyResult:
    path: Path
    samples: int
    systems: int
    notes: list[str] = field(default_factory=list)


def highlight(text: str, reference: str, tokenizer: str) -> str:
    """`text` as escaped HTML with every token that also occurs in `reference` wrapped in <mark>."""
    scheme = _MATCH_TOKENIZER.get(tokenizer, "vi")
    shared = set(get_tokenizer(scheme)(reference))
    pieces, position = [], 0
    for match in _SHAPES[scheme].finditer(text):
        pieces.append(html.escape(text[position : match.start()]))
        token = html.escape(match.group())
        pieces.append(f"<mark>{token}</mark>" if nfc(match.group()).lower() in shared else token)
        position = match.end()
    pieces.append(html.escape(text[position:]))
    return "".join(pieces)


def load_sources(runs: RunSet, row: RunRow) -> dict[str, str]:
    """id -> source document from the test split of the dataset the run names (Hub parquet layout); {} if gone."""
    config_path = runs.run_path(row) / "config.json"
    if not config_path.exists():
        return {}
    dataset_path = Path(str(read_json(config_path).get("dataset_path") or ""))
    table = read_split(dataset_path, "test", columns=["id", "text"]) if dataset_path.is_dir() else None
    if table is None:
        return {}
    columns = table.to_pydict()
    return dict(zip(map(str, columns["id"]), columns["text"], strict=False))


def _predictions(runs: RunSet, row: RunRow) -> dict[str, dict]:
    path = runs.run_path(row) / "predictions.jsonl"
    return {str(data.get("id")): data for _, data in read_json_lines(path)} if path.exists() else {}


def best_system(lines: dict[str, dict]) -> str | None:
    """The system whose ROUGE-2 on this sample beats every other's, with a non-empty output; None on a tie."""
    scores = {system: float(line.get("rouge2") or 0.0) for system, line in lines.items()}
    if len(scores) < 2:
        return None
    top = max(scores.values())
    winners = [system for system, score in scores.items() if score == top]
    if len(winners) != 1 or not str(lines[winners[0]].get("prediction") or "").strip():
        return None
    return winners[0]


def _section(
    dataset: str,
    size: int,
    rows: Sequence[RunRow],
    runs: RunSet,
    ids: Sequence[str] | None,
    samples: int,
    seed: int,
    notes: list[str],
) -> tuple[str, int]:
    predictions = {row.system: _predictions(runs, row) for row in rows}
    predictions = {system: preds for system, preds in predictions.items() if preds}
    if not predictions:
        notes.append(f"{dataset} n={size}: no predictions.jsonl to show")
        return "", 0
    common = sorted(set.intersection(*(set(p) for p in predictions.values())))
    if ids:
        chosen = [i for i in ids if i in common]
        if len(chosen) < len(ids):
            notes.append(f"{dataset} n={size}: {len(ids) - len(chosen)} chosen id(s) not predicted by every system")
    else:
        chosen = random.Random(f"{seed}-{dataset}-{size}").sample(common, min(samples, len(common)))
    sources = load_sources(runs, rows[0])
    if chosen and not sources:
        notes.append(f"{dataset}: the dataset folder named in config.json is not here; source documents not shown")
    tokenizer = rows[0].tokenizer or "zh"
    parts = [
        f'<section id="{html.escape(dataset)}-n{size}"><h2>{html.escape(dataset)}, trained on {size:,} samples</h2>'
    ]
    for sample_id in chosen:
        first = next(iter(predictions.values()))[sample_id]
        reference = str(first.get("reference", ""))
        best = best_system({system: preds[sample_id] for system, preds in predictions.items()})
        source = sources.get(sample_id)
        parts.append(f'<div class="sample"><h3>Test sample <code>{html.escape(sample_id)}</code></h3>')
        parts.append(
            f'<div class="source">{html.escape(source)}</div>'
            if source is not None
            else '<p class="empty">source document not available</p>'
        )
        parts.append(
            f'<div class="reference"><strong>Reference</strong><br>{html.escape(reference)}</div><div class="grid">'
        )
        for system, preds in predictions.items():
            line = preds[sample_id]
            text = str(line.get("prediction") or "")
            scores = " · ".join(
                f"{label} {100 * float(line.get(m) or 0):.1f}"
                for m, label in (("rouge1", "R-1"), ("rouge2", "R-2"), ("rougeL", "R-L"))
            )
            body = highlight(text, reference, tokenizer) if text else '<span class="empty">(empty output)</span>'
            parts.append(
                f'<div class="card{" best" if system == best else ""}"><div class="name">{html.escape(system)}</div>'
                f'<div class="scores">{scores}</div><div>{body}</div></div>'
            )
        parts.append("</div></div>")
    parts.append("</section>")
    return "\n".join(parts), len(chosen)


def write_case_study(
    runs: RunSet, path: Path, ids: Sequence[str] | None = None, samples: int = 5, seed: int = 0, size: int | None = None
) -> CaseStudyResult:
    """One page: per dataset (at `size`, default its largest train size), `samples` random or the given test ids."""
    done = [row for row in runs.done() if row.in_domain]
    notes: list[str] = []
    sections, shown, systems_shown = [], 0, 0
    for dataset in sorted({row.dataset for row in done}, key=lambda d: order_key(DATASET_ORDER, d)):
        sizes = sorted({row.train_size for row in done if row.dataset == dataset})
        chosen_size = size if size in sizes else sizes[-1]
        if size is not None and size not in sizes:
            notes.append(f"{dataset}: no runs at n={size}; shown at n={chosen_size}")
        first_seed: dict[str, RunRow] = {}
        for row in sorted(
            (r for r in done if r.dataset == dataset and r.train_size == chosen_size), key=lambda r: r.seed or 0
        ):
            first_seed.setdefault(row.system, row)
        rows = sorted(first_seed.values(), key=lambda r: (order_key(VARIANT_ORDER, r.variant), r.system))
        section, count = _section(dataset, chosen_size, rows, runs, ids, samples, seed, notes)
        if section:
            sections.append((dataset, chosen_size, section))
            shown += count
            systems_shown = max(systems_shown, len(rows))
    nav = " ".join(f'<a href="#{html.escape(d)}-n{s}">{html.escape(d)} n={s:,}</a>' for d, s, _ in sections)
    how = (
        f"test ids chosen by hand: {', '.join(ids)}"
        if ids
        else f"{samples} random test samples per dataset, seed {seed}"
    )
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Case study</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head><body>'
        f"<header><h1>Case study: every system on the same test samples</h1>"
        f"<p>{html.escape(how)}; each system's first seed. <mark>Marked</mark> words also occur in the reference; "
        "the card with a blue border has the best ROUGE-2 on that sample (no border where the best is "
        f"shared).</p><nav>{nav}</nav></header>" + "\n".join(section for _, _, section in sections) + "</body></html>\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, page)
    return CaseStudyResult(path, shown, systems_shown, notes)
