"""Hand-made benchmark run folders (the layout of docs/run-folders.md) for tests of what reads them.

Predictions are the references with a share of their tokens replaced, so a system's "skill" sets
its ROUGE; per-sample and corpus scores are computed with cls_data.rouge, as the engine does.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

from cls_data.rouge import corpus_f1, score_texts

HAN = [chr(code) for code in range(0x4E00, 0x4E00 + 400)]
NASTY = "<script>alert('x')</script> & \"quoted\""  # must come out escaped wherever text is shown


def references(n: int, dataset: str = "Vi2ZhLow") -> list[tuple[str, str, str]]:
    """(id, source text, reference) for n test samples; the same for every system of a dataset."""
    rng = random.Random(f"refs-{dataset}")
    rows = []
    for i in range(n):
        ref = "".join(rng.choice(HAN) for _ in range(24))
        source = " ".join(f"từ{rng.randrange(100)}" for _ in range(40))
        rows.append((f"{dataset}-{i:04d}", source, ref))
    return rows


def predict(reference: str, skill: float, rng: random.Random) -> str:
    return "".join(ch if rng.random() < skill else rng.choice(HAN) for ch in reference)


def run_dir(
    root: Path, dataset: str, variant: str, size: int, seed: int, weighting: str | None = None, r: float | None = None
) -> Path:
    parts = [dataset, variant] + ([weighting] if weighting else []) + ([f"r{r:g}"] if r is not None else [])
    return root.joinpath(*parts, f"n{size}", f"seed{seed}")


def make_run(
    root: Path,
    dataset: str,
    variant: str,
    size: int,
    seed: int,
    skill: float,
    weighting: str | None = None,
    r: float | None = None,
    n: int = 40,
    nasty_first: bool = False,
    epochs: int = 3,
    metrics: dict | None = None,
) -> Path:
    """A complete run folder: config.json, metrics.json (`metrics` overrides or adds fields), predictions.jsonl,
    train_log.jsonl, model/."""
    folder = run_dir(root, dataset, variant, size, seed, weighting, r)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{folder}")
    refs = references(n, dataset)
    preds = [predict(ref, skill, rng) for _, _, ref in refs]
    if nasty_first:
        preds[0] = NASTY + preds[0]
    scores = score_texts(preds, [ref for _, _, ref in refs], "zh")
    with (folder / "predictions.jsonl").open("w", encoding="utf-8") as handle:
        for (sample_id, _, ref), pred, pair in zip(refs, preds, scores, strict=False):
            handle.write(
                json.dumps({"id": sample_id, "prediction": pred, "reference": ref, **pair.f1()}, ensure_ascii=False)
                + "\n"
            )
    corpus = corpus_f1(scores)
    (folder / "metrics.json").write_text(
        json.dumps(
            {
                "test": corpus,
                "tokenizer": "zh",
                "n_test": n,
                "empty_predictions": 0,
                "best_epoch": epochs,
                "best_val_rouge2": corpus["rouge2"],
                "train_seconds": 12.5,
                "decode_seconds": 3.0,
                "train_samples_per_s": size / 12.5,
                "decode_samples_per_s": n / 3.0,
                "eval_on": {},
                **(metrics or {}),
            }
        )
    )
    (folder / "config.json").write_text(
        json.dumps(
            {
                "variant": variant,
                "dataset": dataset,
                "dataset_path": str(root / "data" / dataset),
                "dataset_fingerprint": "abc123",
                "src_lang": "vi",
                "tgt_lang": "zh",
                "weighting": weighting,
                "r": r,
                "train_size": size,
                "seed": seed,
                "preset": "smoke",
                "model": {"backbone": "tiny-mbart", "d_model": 32},
                "train": {"lr": 2.5e-5, "epochs": epochs, "batch_size": 2},
                "decode": {"num_beams": 4, "max_new_tokens": 128},
                "versions": {"cls_data": "0.1.0", "torch": "2.13.0"},
                "created": "2026-12-01T12:00:00Z",
            }
        )
    )
    write_train_log(folder / "train_log.jsonl", weighting, epochs, skill)
    (folder / "model").mkdir(exist_ok=True)
    return folder


def write_train_log(path: Path, weighting: str | None, epochs: int, skill: float) -> None:
    lines = []
    step = 0
    for epoch in range(1, epochs + 1):
        for _ in range(4):
            step += 1
            losses = {"cls": 5.0 / step, "total": 6.0 / step}
            weights = {}
            if weighting:
                losses["mls"] = 4.0 / step
                weights = {"c": 1.0 + 0.01 * step}
            lines.append(
                {
                    "kind": "step",
                    "stage": "joint" if weighting else "cls",
                    "epoch": epoch,
                    "step": step,
                    "lr": 2.5e-5 * 0.95**epoch,
                    "losses": losses,
                    "weights": weights,
                }
            )
        lines.append(
            {
                "kind": "epoch",
                "stage": "joint" if weighting else "cls",
                "epoch": epoch,
                "step": step,
                "lr": 2.5e-5 * 0.95**epoch,
                "losses": losses,
                "weights": weights,
                "val": {
                    "rouge1": skill * epoch / epochs,
                    "rouge2": skill * epoch / epochs / 2,
                    "rougeL": skill * epoch / epochs,
                },
                "seconds": 1.0,
            }
        )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def make_failed(
    root: Path,
    dataset: str,
    variant: str,
    size: int,
    seed: int,
    error: str = "CUDA out of memory",
    weighting: str | None = None,
    r: float | None = None,
) -> Path:
    folder = run_dir(root, dataset, variant, size, seed, weighting, r)
    work = folder.with_name(folder.name + ".work")
    work.mkdir(parents=True, exist_ok=True)
    (work / "failed.json").write_text(
        json.dumps({"error": error, "traceback": "Traceback ...", "time": "2026-12-01T12:00:00Z"})
    )
    return work


def make_dataset(root: Path, dataset: str, n: int = 40) -> Path:
    """The test split as a Hub-style parquet file, so pages can show the source documents."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = root / "data" / dataset / "data"
    folder.mkdir(parents=True, exist_ok=True)
    refs = references(n, dataset)
    table = pa.table(
        {
            "id": [r[0] for r in refs],
            "text": [r[1] for r in refs],
            "summary": ["tóm tắt"] * n,
            "cls_summary": [r[2] for r in refs],
        }
    )
    pq.write_table(table, folder / "test-00000-of-00001.parquet")
    return folder.parent


def make_counted_runs(root: Path) -> Path:
    """Degenerate outputs counted: MCLAS with missing separators (two seeds), a prompted LLM with wrong-language
    answers, an mBART run with none (Vi2ZhLow, n=1000, 40 test samples)."""
    make_run(root, "Vi2ZhLow", "mclas", 1000, 1, 0.4, metrics={"empty_predictions": 4, "separator_missing": 3})
    make_run(root, "Vi2ZhLow", "mclas", 1000, 2, 0.4, metrics={"empty_predictions": 2, "separator_missing": 1})
    make_run(root, "Vi2ZhLow", "llm-prompt", 1000, 1, 0.3, metrics={"wrong_language": 5})
    make_run(root, "Vi2ZhLow", "mbart-cls", 1000, 1, 0.5)
    return root


SKILLS = {  # system -> skill; TFLCLS clearly above mBART-CLS, as the paper claims
    ("mbart-cls", None, None): 0.45,
    ("tflcls", "tflcls", 2.0): 0.75,
    ("tflcls", "tflcls", 2.5): 0.7,
    ("tflcls", "hu", None): 0.6,
    ("tflcls", "sum", None): 0.55,
    ("tflcls-no-tra", "tflcls", 2.0): 0.6,
    ("tflcls-no-mul", None, None): 0.5,
    ("ncls", None, None): 0.2,
}


def make_grid(root: Path, datasets=("Vi2ZhLow", "En2ZhLow"), sizes=(1000, 3000), seeds=(1, 2), n: int = 40) -> Path:
    """A small grid with one failed cell (ncls, Vi2ZhLow, 3000) and one missing cell (ncls, En2ZhLow, 1000)."""
    for dataset in datasets:
        make_dataset(root, dataset, n)
        for size in sizes:
            for seed in seeds:
                for (variant, weighting, r), skill in SKILLS.items():
                    if variant == "ncls" and dataset == "Vi2ZhLow" and size == 3000:
                        make_failed(root, dataset, variant, size, seed)
                        continue
                    if variant == "ncls" and dataset == "En2ZhLow" and size == 1000:
                        continue
                    make_run(
                        root,
                        dataset,
                        variant,
                        size,
                        seed,
                        skill + 0.02 * seed,
                        weighting,
                        r,
                        n,
                        nasty_first=(variant == "mbart-cls"),
                    )
    return root


def rewrite_predictions(folder: Path, replace: Callable[[str, str], str]) -> list[dict]:
    """Replace a finished run's predictions (`replace(id, prediction)`) and rescore them as the engine would: the
    per-sample scores and metrics.json's corpus scores stay true to the texts (the report verifies both)."""
    path = folder / "predictions.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        row["prediction"] = replace(row["id"], row["prediction"])
    scores = score_texts([r["prediction"] for r in rows], [r["reference"] for r in rows], "zh")
    for row, pair in zip(rows, scores, strict=True):
        row.update(pair.f1())
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    metrics["test"] = corpus_f1(scores)
    (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    return rows
