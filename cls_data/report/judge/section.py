"""`cls-data report RUNS --judge-url URL --judge-model NAME`: an LLM judge of every system's summaries.

Per dataset and train size, each system's first-seed run is judged on the same `samples` test ids
(seeded), against the source document from the dataset folder its config.json names. With a BWS
kit (`--judge-bws KIT`), the kit's summaries are judged too and the judge's scores are compared
with the raters' (agreement.py). Writes a results.md section, results.json fields, `judge.json`
(the rubric, prompt, usage and agreement) and the cache (cache.py).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cls_data.outputs import write_json_atomic
from cls_data.report.casestudy import load_sources
from cls_data.report.judge.agreement import MATCHED, human_ratings, kendall_tau_b
from cls_data.report.judge.asker import Asker
from cls_data.report.judge.config import JudgeConfig
from cls_data.report.judge.prompt import CRITERIA, PROMPT_VERSION, prompt_metadata
from cls_data.report.paper import REFERENCE_SYSTEM as REFERENCE
from cls_data.report.runs import RunSet
from cls_data.report.tables import DATASET_ORDER, order_key
from cls_data.run_folder import CONFIG, RunRow, read_json, read_json_lines


@dataclass
class JudgeSection:
    markdown: str
    line: str  # the cost/requests line
    notes: list[str] = field(default_factory=list)
    fields: dict = field(default_factory=dict)  # (system, dataset, size) -> results.json fields


def _languages(runs: RunSet, row: RunRow) -> tuple[str, str]:
    path = runs.run_path(row) / CONFIG
    config = read_json(path) if path.exists() else {}
    return str(config.get("src_lang") or "vi"), str(config.get("tgt_lang") or "zh")


def _predictions(runs: RunSet, row: RunRow) -> dict[str, dict]:
    path = runs.run_path(row) / "predictions.jsonl"
    return {str(d.get("id")): d for _, d in read_json_lines(path)} if path.exists() else {}


def _cells(runs: RunSet) -> dict[tuple[str, int], dict[str, RunRow]]:
    """(dataset, size) -> system -> its first-seed finished run."""
    cells: dict[tuple[str, int], dict[str, RunRow]] = defaultdict(dict)
    for row in sorted(runs.done(), key=lambda r: r.seed or 0):
        if row.in_domain and row.run_dir:
            cells[(row.dataset, row.train_size)].setdefault(row.system, row)
    return dict(sorted(cells.items(), key=lambda c: (order_key(DATASET_ORDER, c[0][0]), c[0][1])))


def _judge_cells(
    runs: RunSet, config: JudgeConfig, asker: Asker, notes: list[str], progress: Callable[[str], None]
) -> dict[tuple[str, str, int], list[dict[str, int] | None]]:
    results: dict[tuple[str, str, int], list[dict[str, int] | None]] = {}
    for (dataset, size), systems in _cells(runs).items():
        first = next(iter(systems.values()))
        sources = load_sources(runs, first)
        if not sources:
            notes.append(
                f"judge: {dataset} n={size}: the dataset folder named in config.json is not here, "
                "so there are no source documents to judge against"
            )
            continue
        predictions = {system: _predictions(runs, row) for system, row in systems.items()}
        common = sorted(set(sources).intersection(*(set(p) for p in predictions.values())))
        ids = random.Random(f"judge-{config.seed}-{dataset}-{size}").sample(common, min(config.samples, len(common)))
        src, tgt = _languages(runs, first)
        progress(f"judging {len(predictions)} systems on {dataset} n={size} ({len(ids)} summaries each)")
        tasks = [
            (sources[i], str(preds[i].get("prediction") or ""), src, tgt) for preds in predictions.values() for i in ids
        ]
        answers = asker.ask_all(tasks)
        for k, system in enumerate(predictions):
            results[(system, dataset, size)] = answers[k * len(ids) : (k + 1) * len(ids)]
    return results


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _table(results: dict[tuple[str, str, int], list[dict[str, int] | None]]) -> list[str]:
    lines = [
        "| dataset | n | model | " + " | ".join(CRITERIA) + " | judged | failed |",
        "|---|---:|---|" + "---:|" * (len(CRITERIA) + 2),
    ]
    for (system, dataset, size), scores in results.items():
        judged = [s for s in scores if s is not None]
        means = [_mean([s[c] for s in judged]) for c in CRITERIA]
        lines.append(
            f"| {dataset} | {size:,} | {system} | "
            + " | ".join("n/a" if m is None else f"{m:.2f}" for m in means)
            + f" | {len(judged)} | {len(scores) - len(judged)} |"
        )
    return lines


def _agreement(runs: RunSet, kit: Path, asker: Asker, notes: list[str]) -> tuple[list[str], dict]:
    """Kendall's tau per matched criterion between the judge and the kit's raters, on the kit's summaries."""
    key, ratings, raters = human_ratings(kit)
    if not raters:
        notes.append(f"judge: {kit} has no answers*.csv yet: no agreement with people to report")
        return [], {}
    by_dir = {row.run_dir: row for row in runs.done()}
    models = [s for s in key["systems"] if s != REFERENCE]
    rows = {system: by_dir.get(run_dir) for system, run_dir in zip(models, key.get("run_dirs", []), strict=False)}
    if not rows or any(r is None for r in rows.values()):
        notes.append(f"judge: the runs of {kit}/key.json are not all under this RUNS folder: no agreement reported")
        return [], {}
    first = next(iter(rows.values()))
    sources, predictions = load_sources(runs, first), {s: _predictions(runs, r) for s, r in rows.items()}
    src, tgt = _languages(runs, first)
    judged: list[tuple[str, str]] = []  # (item, system) of each task
    tasks = []
    for item, entry in key["items"].items():
        sample_id, document = entry["sample_id"], sources.get(entry["sample_id"])
        for system in entry["labels"].values() if document is not None else ():
            found = predictions[models[0] if system == REFERENCE else system].get(sample_id, {})
            text = found.get("reference" if system == REFERENCE else "prediction")
            judged.append((item, system))
            tasks.append((document, str(text or ""), src, tgt))
    pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for (item, system), scores in zip(judged, asker.ask_all(tasks), strict=True):
        for criterion, human in MATCHED.items():
            if scores is not None and (item, system, human) in ratings:
                pairs[criterion].append((scores[criterion], ratings[(item, system, human)]))
    table = [
        "",
        f"Agreement with {raters} BWS rater(s) of `{kit.name}` (Kendall's tau-b, judge 1-5 vs the raters' mean "
        "best = +1 / worst = -1 per summary):",
        "",
        "| judge criterion | BWS criterion | tau | n |",
        "|---|---|---:|---:|",
    ]
    data = {}
    for criterion, human in MATCHED.items():
        xs = pairs.get(criterion, [])
        tau = kendall_tau_b([x for x, _ in xs], [y for _, y in xs]) if len(xs) > 1 else None
        data[criterion] = {"bws_criterion": human, "tau": tau, "n": len(xs)}
        table.append(f"| {criterion} | {human} | {'n/a' if tau is None else f'{tau:+.2f}'} | {len(xs)} |")
    table.append("| faithfulness | (none: BWS does not ask it) | n/a | 0 |")
    return table, data


def judge_section(
    runs: RunSet, config: JudgeConfig, out: Path, progress: Callable[[str], None] | None = None
) -> JudgeSection:
    progress = progress or (lambda message: None)
    asker, notes = Asker(config, out), []
    try:
        results = _judge_cells(runs, config, asker, notes, progress)
        agreement, agreement_data = _agreement(runs, config.bws_kit, asker, notes) if config.bws_kit else ([], {})
    finally:
        asker.judge.close()
    usage = asker.judge.usage
    tokens = (
        f"; {usage.prompt_tokens:,} prompt + {usage.completion_tokens:,} completion tokens"
        if usage.prompt_tokens or usage.completion_tokens
        else "; the server reported no token counts"
    )
    line = (
        f"judge {config.model}: {usage.requests} requests sent ({usage.invalid} invalid answers, "
        f"{usage.errors} server errors), {asker.hits} judgements from the cache, {asker.judged} judged, "
        f"{asker.failed} failed" + tokens
    )
    lines = [
        "## LLM judge",
        "",
        f"`{config.model}`, prompt version {PROMPT_VERSION}, temperature 0; integer scores 1-5 "
        "(rubric: docs/evaluation.md and judge.json), mean over the judged summaries of each system's first seed. "
        f"Failed: no valid answer after {config.attempts} attempts (counted, never guessed).",
        "",
        *_table(results),
        *agreement,
        "",
        f"- {line}",
    ]
    fields = {
        key: {
            f"judge_{c}_mean": (None if (m := _mean([s[c] for s in scores if s])) is None else round(m, 4))
            for c in CRITERIA
        }
        | {"judge_model": config.model, "judge_prompt_version": PROMPT_VERSION}
        for key, scores in results.items()
    }
    write_json_atomic(
        out / "judge.json",
        {
            "judge": config.model,
            **prompt_metadata(),
            "samples": config.samples,
            "seed": config.seed,
            "usage": usage.as_dict(),
            "agreement": agreement_data,
        },
    )
    return JudgeSection("\n".join(lines) + "\n", line, notes, fields)
