"""Training throughput (pairs/s, MFU) of the non-mBART baselines through the engine's own loop.

Each baseline's training stage (`ncls`, `ncls-ms` joint, `mclas` sequential, `nguyen-kd` student with
its frozen teacher) is built by its registered builder from a randomly initialised backbone and
trained by `cls_data.benchmark.train.train_stage` on synthetic pairs with Vi2ZhLow-like lengths
(sources ~700 tokens, truncated at 768 for NCLS and 512 for mBERT; summaries ~45 tokens each),
with the `fast` preset's token budget. Timed from the progress callback after warm-up steps.
MFU counts useful (non-pad) tokens: 6 x trained parameters x tokens they see (+ 2 x for the
frozen teacher's forward), attention included, over the peak (790 TFLOP/s bf16 on H100/H200, or
an fp32 matmul measured here on CPU). `bench/bench_train.py --baselines` calls this too.

CPU (small configs):      python bench/bench_baselines.py
GPU (the papers' sizes):  python bench/bench_baselines.py --size paper --pairs 1024 --budget 16384
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cls_data.benchmark.config import DecodeConfig, TrainConfig  # noqa: E402
from cls_data.benchmark.data import Encoded, Ragged, length_batches  # noqa: E402
from cls_data.benchmark.losses import make_weighting  # noqa: E402
from cls_data.benchmark.registry import BuildContext, get_variant, resolve_variant  # noqa: E402
from cls_data.benchmark.train import StageJob, train_stage  # noqa: E402

VARIANTS = ("ncls", "ncls-ms", "mclas", "nguyen-kd")
# (ncls d_model, layers, heads, ffn, vocab), (bert hidden, layers, heads, ffn, vocab, decoder layers, heads, ffn)
SIZES = {
    "paper": ((512, 6, 8, 2048, 12000), (768, 12, 12, 3072, 119547, 6, 8, 2048)),
    "small": ((256, 3, 4, 1024, 12000), (256, 4, 4, 1024, 119547, 2, 4, 1024)),
}


def backbones(size: str, root: Path) -> dict[str, Path]:
    """Random backbones of the requested size saved as the registry's builders expect them (no download)."""
    from transformers import BertConfig, BertModel, MBartConfig

    from cls_data.benchmark.families.mbert import BERT_SPECIALS, DECODER_SIZE_FILE

    (d, layers, heads, ffn, vocab), (bd, bl, bh, bf, bvocab, dl, dh, df) = SIZES[size]
    ncls = root / "ncls"
    MBartConfig(
        vocab_size=vocab,
        d_model=d,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn,
        activation_function="relu",
        max_position_embeddings=1024,
        scale_embedding=True,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        dropout=0.1,
    ).save_pretrained(ncls)
    bert = root / "bert"
    BertModel(
        BertConfig(
            vocab_size=bvocab, hidden_size=bd, num_hidden_layers=bl, num_attention_heads=bh, intermediate_size=bf
        ),
        add_pooling_layer=False,
    ).save_pretrained(bert)
    (bert / DECODER_SIZE_FILE).write_text(json.dumps({"layers": dl, "heads": dh, "ffn": df, "dropout": 0.2}))
    assert len(BERT_SPECIALS) == 104  # mBERT's [PAD], [unused1-99], [UNK], [CLS], [SEP], [MASK]
    return {"ncls": ncls, "bert": bert}


class IdCodec:
    """Enough of a codec for the loop on random ids: markers at mBERT's ids, `</s>` = 2 for NCLS."""

    key, pad_id, eos_id = "ids", 0, 2

    def __init__(self, pad_id: int) -> None:
        from cls_data.benchmark.models.bert_seq2seq import Markers

        self.pad_id = pad_id
        self.markers = Markers(pad=0, bos=1, eos=2, lsep=5)

    def decode(self, ids):
        return [" ".join(map(str, row)) for row in ids]

    def save(self, folder):
        pass


def synthetic(n: int, vocab: int, src_max: int, mono: bool, eos: int | None, seed: int = 0) -> Encoded:
    rng = np.random.default_rng(seed)
    src_len = np.clip(rng.normal(700, 120, n), 200, src_max).astype(int)
    tgt_len, mono_len = (np.clip(rng.normal(45, 10, n), 12, 127).astype(int) for _ in range(2))

    def rows(lengths):  # NCLS labels end in </s>; mBERT labels are content ids (the model frames them)
        return Ragged.from_lists(
            [rng.integers(110, vocab, k).tolist() + ([eos] if eos is not None else []) for k in lengths]
        )

    return Encoded(
        [str(i) for i in range(n)], rows(src_len), rows(tgt_len), rows(mono_len) if mono else None, ["x"] * n
    )


def stage_flops(variant: str, model: torch.nn.Module, enc: Encoded, batches) -> float:
    """6 x parameters x tokens for every trained part (+ 2 x for the frozen teacher), attention included."""
    idx = np.concatenate(batches)
    src, tgt = enc.src.lengths[idx], enc.tgt.lengths[idx]
    mono = enc.mono.lengths[idx] if enc.mono is not None else np.zeros_like(tgt)
    student = getattr(model, "student", model)
    inner = getattr(student, "model", None) or student.seq2seq
    encoder = sum(p.numel() for n, p in inner.get_encoder().named_parameters() if "embed" not in n)
    decoder = sum(
        p.numel() for n, p in inner.get_decoder().named_parameters() if "embed" not in n and "position" not in n
    )
    head = inner.get_output_embeddings().weight.numel()
    d = inner.get_output_embeddings().weight.shape[1]
    config = inner.config
    enc_layers, dec_layers = (
        (config.encoder.num_hidden_layers, config.decoder.num_hidden_layers)
        if hasattr(config, "encoder")
        else (config.encoder_layers, config.decoder_layers)
    )
    dec_tokens = {"mclas": tgt + mono + 2, "ncls": tgt, "ncls-ms": tgt, "nguyen-kd": tgt + 1}[variant]
    dense = 6 * (encoder * src.sum() + (decoder + head) * dec_tokens.sum())
    # QK^T and AV: 4 d n m per layer forward, x3 with the backward
    attention = 12 * d * (enc_layers * (src**2).sum() + dec_layers * (dec_tokens**2 + src * dec_tokens).sum())
    if variant == "ncls-ms":  # the second decoder and the shared head on the monolingual summary
        dense += 6 * (decoder + head) * mono.sum()
        attention += 12 * d * dec_layers * (mono**2 + src * mono).sum()
    if (
        variant == "nguyen-kd"
    ):  # the frozen teacher's forward (no LM head): encoder + decoder on the monolingual summary
        dense += 2 * (encoder * src.sum() + decoder * (mono + 1).sum())
        attention += 4 * d * (enc_layers * (src**2).sum() + dec_layers * ((mono + 1) ** 2 + src * (mono + 1)).sum())
    return float(dense + attention)


def measure(variant: str, backbone: Path, vocab: int, pairs: int, steps: int, warmup: int, budget: int) -> dict:
    resolved = resolve_variant(variant)
    spec = resolved.spec
    stage = spec.stages[-1]
    bert = spec.family == "mbert"
    src_max = 512 if bert else 768
    cfg = TrainConfig(
        lr=1e-4,
        token_budget=budget,
        grad_accum=1,
        epochs=1,
        max_steps=steps + warmup,
        schedule="constant",
        val_subset=1,
        src_max_len=src_max,
        log_every=10**9,
    )
    enc = synthetic(pairs, vocab, src_max, stage.mono_target is not None, None if bert else 2)
    codec = IdCodec(0 if bert else 1)
    init = None
    with tempfile.TemporaryDirectory() as work:
        if stage.init_from:  # the previous stage's weights: a fresh model saved once
            first = spec.stage(stage.init_from)
            ctx0 = BuildContext(
                backbone=str(backbone), codec=codec, src_lang="vi", tgt_lang="zh", stage=first, train=cfg
            )
            init = Path(work) / "init"
            resolved.builders[first.name](ctx0).model.save_pretrained(init)
        ctx = BuildContext(
            backbone=str(backbone), codec=codec, src_lang="vi", tgt_lang="zh", stage=stage, train=cfg, init=init
        )
        clock: dict[int, float] = {}
        built: list = []

        def build():
            built.append(resolved.builders[stage.name](ctx))
            return built[-1]

        def on_progress(phase, done, total):
            if phase.startswith("train"):
                if torch.cuda.is_available():
                    torch.cuda.synchronize()
                clock[done] = time.perf_counter()

        job = StageJob(
            name="bench",
            build_model=build,
            train=encoded_or_fail(enc, cfg, steps + warmup),
            val=enc.subset(np.arange(1)),
            build_weighting=lambda tasks: make_weighting(
                "sum", tasks, coefficients=dict(stage.loss_coefficients) or None
            ),
            codec=codec,
            cfg=cfg,
            decode=DecodeConfig(num_beams=1, max_new_tokens=1),
            rouge_tokenizer="en",
            seed=0,
            work_dir=Path(work) / "stage",
        )
        train_stage(job, on_progress)
    used = length_batches(enc, cfg, seed=0, epoch=0)[warmup : steps + warmup]
    seconds = clock[steps + warmup] - clock[warmup]
    samples = sum(map(len, used))
    return {"pairs_per_s": samples / seconds, "flops_per_s": stage_flops(variant, built[-1], enc, used) / seconds}


def encoded_or_fail(enc: Encoded, cfg: TrainConfig, needed: int) -> Encoded:
    if len(length_batches(enc, cfg, seed=0, epoch=0)) < needed:
        raise SystemExit(f"--pairs too small for {needed} steps at this token budget")
    return enc


def peak_flops(device: torch.device) -> tuple[float, str]:
    if device.type == "cuda":
        return 790e12, "790 TFLOP/s bf16 (H100/H200 matmul, docs/paper-fidelity.md)"
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    a @ b
    started = time.perf_counter()
    for _ in range(20):
        a @ b
    flops = 2 * 1024**3 * 20 / (time.perf_counter() - started)
    return flops, f"{flops / 1e9:.0f} GFLOP/s fp32 (1024^3 matmul measured now)"


def run(
    variants=VARIANTS, size: str = "small", pairs: int = 96, steps: int = 4, warmup: int = 1, budget: int = 4096
) -> dict:
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    peak, peak_text = peak_flops(device)
    print(
        f"device {device}, baseline sizes {size!r}, torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"peak {peak_text}"
    )
    results = {}
    with tempfile.TemporaryDirectory() as root:
        paths = backbones(size, Path(root))
        for variant in variants:
            family = "bert" if get_variant(variant).family == "mbert" else "ncls"
            vocab = SIZES[size][1][4] if family == "bert" else SIZES[size][0][4]
            result = measure(variant, paths[family], vocab, pairs, steps, warmup, budget)
            results[variant] = {
                "pairs_per_s": round(result["pairs_per_s"], 2),
                "mfu": round(result["flops_per_s"] / peak, 4),
            }
            print(f"{variant:10s}: {result['pairs_per_s']:.2f} pairs/s, MFU {100 * result['flops_per_s'] / peak:.1f}%")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--pairs", type=int, default=96)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--budget", type=int, default=4096, help="padded source tokens per batch")
    args = parser.parse_args()
    run(tuple(args.variants.split(",")), args.size, args.pairs, args.steps, args.warmup, args.budget)


if __name__ == "__main__":
    main()
