"""Training throughput of the benchmark engine against a loop in the style of the paper's code.

Both train the same randomly initialised mBART architecture on the same synthetic pairs with
Vi2ZhLow-like lengths (sources ~700 tokens, truncated at 768; targets ~45), in this process:
- reference: fp32, eager attention, every batch padded to 768/128, batch 4, plain Adam, HF's loss,
  the 250,027-row head as is;
- engine: `cls_data.benchmark.train.train_stage` itself, twice: with the `paper` preset's batches
  (16 pairs in one micro-batch) and with token-budget batches (both length-grouped and bucketed to
  x64/x16, LM head padded to x64, bf16 autocast + fused AdamW on CUDA,
  optional torch.compile), timed from its progress callback after the warm-up steps.
MFU counts useful (non-pad) tokens only: 6 x (encoder params x source tokens + (decoder + LM head)
params x target tokens) plus attention, over the peak: 790 TFLOP/s bf16 on H100/H200 (measured
matmul figure, docs/paper-fidelity.md) or, on CPU, an fp32 matmul measured here.

CPU (default: a small config):   python bench/bench_train.py
GPU (mbart-large-cc25 shapes):   python bench/bench_train.py --arch cc25 --pairs 2048 --budget 49152 --compile
"""

from __future__ import annotations

import argparse
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
from cls_data.benchmark.models.mbart import pad_lm_head  # noqa: E402
from cls_data.benchmark.models.mbart_cls import MBartCLS  # noqa: E402
from cls_data.benchmark.train import StageJob, train_stage  # noqa: E402

ARCHS = {  # d_model, layers (each side), heads, ffn, vocab
    "cc25": (1024, 12, 16, 4096, 250027),
    "small": (256, 3, 4, 1024, 32003),
    "tiny": (64, 2, 2, 256, 8003),
}
PAD, EOS, TGT_CODE = 1, 2, 5


def make_config(arch: str):
    from transformers import MBartConfig

    d, layers, heads, ffn, vocab = ARCHS[arch]
    return MBartConfig(
        vocab_size=vocab,
        d_model=d,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn,
        max_position_embeddings=1024,
        pad_token_id=PAD,
        eos_token_id=EOS,
        bos_token_id=0,
        decoder_start_token_id=EOS,
        scale_embedding=True,
        dropout=0.1,
    )


def synthetic_pairs(n: int, vocab: int, seed: int = 0) -> Encoded:
    """Token ids with Vi2ZhLow-like lengths: sources ~N(700, 120) capped at 768, targets ~N(45, 10)."""
    rng = np.random.default_rng(seed)
    src_len = np.clip(rng.normal(700, 120, n), 200, 768).astype(int)
    tgt_len = np.clip(rng.normal(45, 10, n), 12, 128).astype(int)
    src = Ragged.from_lists([rng.integers(10, vocab, k).tolist() for k in src_len])
    tgt = Ragged.from_lists([rng.integers(10, vocab, k).tolist() for k in tgt_len])
    return Encoded([str(i) for i in range(n)], src, tgt, None, ["x"] * n)


class IdCodec:
    """Enough of a codec for the engine's validation pass on random ids."""

    key, pad_id = "ids", PAD

    def decode(self, ids):
        return [" ".join(map(str, row)) for row in ids]

    def save(self, folder):
        pass


def train_flops(config, src_tokens: int, tgt_tokens: int, sq_src: int, sq_tgt: int, cross: int) -> float:
    """Forward+backward FLOPs (6 per parameter per token) of the useful tokens, attention included."""
    d, L, ffn, vocab = config.d_model, config.encoder_layers, config.encoder_ffn_dim, config.vocab_size
    enc = L * (4 * d * d + 2 * d * ffn)
    dec = L * (8 * d * d + 2 * d * ffn)
    dense = 6 * (enc * src_tokens + (dec + d * vocab) * tgt_tokens)
    attention = 3 * 4 * d * L * (sq_src + sq_tgt + cross)  # QK^T and AV, forward x3
    return dense + attention


def token_counts(encoded: Encoded, batches) -> tuple[int, int, int, int, int]:
    s, t = encoded.src.lengths, encoded.tgt.lengths
    idx = np.concatenate(batches)
    return (
        int(s[idx].sum()),
        int(t[idx].sum()),
        int((s[idx] ** 2).sum()),
        int((t[idx] ** 2).sum()),
        int((s[idx] * t[idx]).sum()),
    )


def peak_flops(device: torch.device) -> tuple[float, str]:
    if device.type == "cuda":
        return 790e12, "790 TFLOP/s bf16 (H100/H200 matmul, docs/paper-fidelity.md)"
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    a @ b
    started, reps = time.perf_counter(), 20
    for _ in range(reps):
        a @ b
    flops = 2 * 1024**3 * reps / (time.perf_counter() - started)
    return flops, f"{flops / 1e9:.0f} GFLOP/s fp32 (1024^3 matmul measured now)"


def reference_loop(config, encoded: Encoded, steps: int, warmup: int, device) -> tuple[float, int, list]:
    """The paper's style: fp32, eager attention, batches of 4 padded to 768/128, Adam, HF's loss."""
    from transformers import MBartForConditionalGeneration

    torch.manual_seed(0)
    config._attn_implementation = "eager"
    model = MBartForConditionalGeneration(config).to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-5)
    batches = [np.arange(i, i + 4) for i in range(0, 4 * (steps + warmup), 4)]
    used = batches[warmup:]
    for step, indices in enumerate(batches):
        if step == warmup:
            if device.type == "cuda":
                torch.cuda.synchronize()
            started = time.perf_counter()
        ids = torch.full((4, 768), PAD, dtype=torch.long)
        labels = torch.full((4, 128), -100, dtype=torch.long)
        for row, i in enumerate(indices):  # the reference's collate pads every batch to the maximum
            src, tgt = encoded.src.row(i % len(encoded)), encoded.tgt.row(i % len(encoded))
            ids[row, : len(src)] = torch.from_numpy(src.astype(np.int64))
            labels[row, : len(tgt)] = torch.from_numpy(tgt.astype(np.int64))
        loss = model(input_ids=ids.to(device), attention_mask=(ids != PAD).to(device), labels=labels.to(device)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    return seconds, 4 * steps, [b % len(encoded) for b in used]


def engine_loop(
    config, encoded: Encoded, steps: int, warmup: int, budget: int | None, batch: int, compile_: bool
) -> tuple[float, int, list]:
    """`train_stage` itself; throughput from the progress callback's clock after `warmup` steps."""
    from transformers import MBartForConditionalGeneration

    cfg = TrainConfig(
        lr=5e-5,
        token_budget=budget,
        batch_size=batch,
        grad_accum=1,
        epochs=1,
        max_steps=steps + warmup,
        schedule="constant",
        val_subset=1,
        compile=compile_,
        log_every=10**9,
    )
    batches = length_batches(encoded, cfg, seed=0, epoch=0)[: steps + warmup]
    if len(batches) < steps + warmup:
        raise SystemExit(f"--pairs too small for {steps + warmup} engine steps ({len(batches)} batches)")
    clock: dict[int, float] = {}

    def build():
        torch.manual_seed(0)
        config._attn_implementation = "sdpa"
        model = MBartForConditionalGeneration(config)
        pad_lm_head(model)
        return MBartCLS(model, TGT_CODE)

    def on_progress(phase, done, total):
        if phase.startswith("train"):
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            clock[done] = time.perf_counter()

    with tempfile.TemporaryDirectory() as work:
        job = StageJob(
            name="bench",
            build_model=build,
            build_weighting=lambda tasks: make_weighting("sum", tasks),
            train=encoded,
            val=encoded.subset(np.arange(1)),
            codec=IdCodec(),
            cfg=cfg,
            decode=DecodeConfig(num_beams=1, max_new_tokens=1),
            rouge_tokenizer="en",
            seed=0,
            work_dir=Path(work),
        )
        train_stage(job, on_progress)
    used = batches[warmup:]
    return clock[steps + warmup] - clock[warmup], sum(map(len, used)), used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", choices=ARCHS, default="small")
    parser.add_argument("--pairs", type=int, default=256)
    parser.add_argument("--ref-steps", type=int, default=6)
    parser.add_argument("--steps", type=int, default=8, help="engine steps timed (after --warmup)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--budget", type=int, default=16384, help="engine token budget (padded source tokens per batch)"
    )
    parser.add_argument("--compile", action="store_true")
    parser.add_argument(
        "--baselines",
        action="store_true",
        help="also the non-mBART baselines through the engine loop (bench/bench_baselines.py; --arch cc25 -> their "
        "paper sizes)",
    )
    args = parser.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    config = make_config(args.arch)
    encoded = synthetic_pairs(args.pairs, config.vocab_size)
    peak, peak_text = peak_flops(device)
    print(
        f"device {device}, arch {args.arch} (d_model {config.d_model}, "
        f"{config.encoder_layers}+{config.decoder_layers} layers, "
        f"vocab {config.vocab_size}), torch {torch.__version__}, {torch.get_num_threads()} threads; peak {peak_text}"
    )
    # The faithful `paper` preset's shape (16 pairs in one micro-batch, the paper's effective batch) and the
    # token-budget batches the engine can also cut, each against the paper-style loop in the same process.
    setups = (
        (
            "reference",
            "paper-style loop, batch 4 padded to 768/128",
            lambda: reference_loop(config, encoded, args.ref_steps, 1, device),
        ),
        (
            "engine-paper",
            "engine, the `paper` preset's batches (16 pairs, one micro-batch)",
            lambda: engine_loop(config, encoded, args.steps, args.warmup, None, 16, args.compile),
        ),
        (
            "engine-budget",
            f"engine, token-budget batches of <= {args.budget} padded source tokens",
            lambda: engine_loop(config, encoded, args.steps, args.warmup, args.budget, 4, args.compile),
        ),
    )
    results = {}
    for name, what, run in setups:
        seconds, samples, batches = run()
        flops = train_flops(config, *token_counts(encoded, batches))
        results[name] = (what, samples, samples / seconds, flops / seconds / peak)
    print("\n| set-up | pairs timed | pairs/s | MFU | vs reference |\n|---|---:|---:|---:|---:|")
    for _name, (what, samples, rate, mfu) in results.items():
        print(f"| {what} | {samples} | {rate:.2f} | {100 * mfu:.1f}% | {rate / results['reference'][2]:.2f}x |")
    if args.baselines:
        from bench_baselines import run as run_baselines

        run_baselines(
            size="paper" if args.arch == "cc25" else "small",
            pairs=args.pairs,
            steps=args.steps,
            warmup=args.warmup,
            budget=min(args.budget, 16384),
        )


if __name__ == "__main__":
    main()
