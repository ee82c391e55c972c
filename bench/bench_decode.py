"""Our decoder vs a plain `generate` loop at batch 32, on the same model and sources, in one run.

Baseline: the sources in dataset order, 32 at a time, each batch padded to its longest source,
`model.generate` (beam 4, no repeated 3-grams, 64 new tokens). Ours: `cls_data.benchmark.decode`
(length-sorted, 64-bucketed batches of `--batch`, one cross-attention cache per source, cuDNN
attention off). Both run under inference mode, bf16 autocast on CUDA; the outputs are compared
token for token. `--ablate` also times sorted large batches with plain `generate` (what sorting
and batch size alone give). Random weights emit no end-of-sequence, so every sample decodes the
full `--new-tokens` (docs/paper-fidelity.md's H100 figures are for 64 new tokens too).

    python bench/bench_decode.py --config tiny              # a small model, minutes on a CPU
    python bench/bench_decode.py --config large --ablate    # mbart-large-cc25 architecture, on a GPU
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from cls_data.benchmark.config import DecodeConfig  # noqa: E402
from cls_data.benchmark.decode import generate_ids  # noqa: E402
from cls_data.benchmark.models.generation import beam_generate  # noqa: E402
from cls_data.benchmark.models.mbart import pad_lm_head  # noqa: E402
from cls_data.benchmark.models.mbart_cls import MBartCLS  # noqa: E402

# mbart-large-cc25 (docs/paper-fidelity.md); `tiny` keeps its shape ratios at a size a CPU decodes in minutes.
CONFIGS = {
    "large": dict(vocab_size=250027, d_model=1024, layers=12, heads=16, ffn=4096),
    "tiny": dict(vocab_size=8000, d_model=128, layers=2, heads=4, ffn=512),
}
PAD, EOS, SRC_CODE, TGT_CODE = 1, 2, 5, 6


def build_model(name: str, device: torch.device) -> MBartCLS:
    from transformers import MBartConfig, MBartForConditionalGeneration

    c = CONFIGS[name]
    config = MBartConfig(
        vocab_size=c["vocab_size"],
        d_model=c["d_model"],
        encoder_layers=c["layers"],
        decoder_layers=c["layers"],
        encoder_attention_heads=c["heads"],
        decoder_attention_heads=c["heads"],
        encoder_ffn_dim=c["ffn"],
        decoder_ffn_dim=c["ffn"],
        max_position_embeddings=1024,
        scale_embedding=True,
        dropout=0.0,
        pad_token_id=PAD,
        bos_token_id=0,
        eos_token_id=EOS,
        decoder_start_token_id=TGT_CODE,
    )
    torch.manual_seed(0)
    model = MBartForConditionalGeneration(config)
    pad_lm_head(model)
    return MBartCLS(model.to(device).eval(), TGT_CODE)


def make_sources(n: int, vocab: int, mean: int, seed: int = 0) -> list[list[int]]:
    """Vi2ZhLow-like sources: ~`mean` tokens (+-15%, 64 at least), truncated at 768 with `</s> src_lang`."""
    rng = random.Random(seed)
    lengths = [min(768, max(64, int(rng.gauss(mean, mean * 0.15)))) for _ in range(n)]
    return [[rng.randrange(10, vocab) for _ in range(length - 2)] + [EOS, SRC_CODE] for length in lengths]


class PlainGenerate:
    """The model with `transformers`' plain `generate` (one cross-attention cache per beam)."""

    def __init__(self, model: MBartCLS) -> None:
        self.model = model

    def parameters(self):
        return self.model.parameters()

    def generate(self, input_ids, attention_mask, decode):
        return beam_generate(
            self.model.model, input_ids, attention_mask, self.model.tgt_lang_id, decode, share_beams=False
        )


def baseline_loop(model: MBartCLS, sources: list[list[int]], decode: DecodeConfig, batch: int) -> list[list[int]]:
    device = next(model.parameters()).device
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else contextlib.nullcontext()
    out: list[list[int]] = []
    with torch.inference_mode(), autocast:
        for start in range(0, len(sources), batch):
            chunk = sources[start : start + batch]
            width = max(len(s) for s in chunk)
            ids = torch.tensor([s + [PAD] * (width - len(s)) for s in chunk], device=device)
            out += beam_generate(model.model, ids, (ids != PAD).long(), TGT_CODE, decode, share_beams=False).tolist()
    return out


def timed(fn):
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    started = time.perf_counter()
    result = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return result, time.perf_counter() - started


def strip(ids: list[int]) -> list[int]:
    return [t for t in ids if t != PAD]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=sorted(CONFIGS), default="tiny")
    parser.add_argument("--samples", type=int, default=None, help="sources to decode (default: tiny 96, large 512)")
    parser.add_argument("--src-len", type=int, default=700, help="mean source length in tokens")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--baseline-batch", type=int, default=32)
    parser.add_argument("--batch", type=int, default=128, help="sources per batch in our decoder")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--ablate", action="store_true", help="also time sorted large batches with plain generate")
    args = parser.parse_args()

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    n = args.samples or (512 if args.config == "large" else 96)
    model = build_model(args.config, device)
    sources = make_sources(n, CONFIGS[args.config]["vocab_size"], args.src_len)
    decode = DecodeConfig(
        num_beams=args.beams, no_repeat_ngram_size=3, max_new_tokens=args.new_tokens, batch_size=args.batch
    )
    where = (
        torch.cuda.get_device_name()
        if device.type == "cuda"
        else f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
    )
    print(
        f"{datetime.date.today()} | {where} | torch {torch.__version__} | config {args.config} | {n} sources, "
        f"mean {sum(map(len, sources)) / n:.0f} tokens | beam {args.beams}, {args.new_tokens} new tokens"
    )

    # Warm-up (CUDA context, kernels, allocator) on a few sources, for both paths.
    warm = sources[: min(8, n)]
    baseline_loop(model, warm, decode, args.baseline_batch)
    generate_ids(model, warm, decode, pad_id=PAD)

    base, base_s = timed(lambda: baseline_loop(model, sources, decode, args.baseline_batch))
    print(f"plain generate loop, batch {args.baseline_batch}: {base_s:8.1f} s  {n / base_s:8.2f} samples/s")
    if args.ablate:
        plain, plain_s = timed(lambda: generate_ids(PlainGenerate(model), sources, decode, pad_id=PAD))
        same = sum(strip(a) == strip(b) for a, b in zip(plain, base, strict=False))
        print(
            f"sorted, bucketed, batch {args.batch}, plain generate: {plain_s:8.1f} s  {n / plain_s:8.2f} samples/s  "
            f"({base_s / plain_s:.2f}x; identical outputs {same}/{n})"
        )
    ours, ours_s = timed(lambda: generate_ids(model, sources, decode, pad_id=PAD))
    same = sum(strip(a) == strip(b) for a, b in zip(ours, base, strict=False))
    print(
        f"cls_data decode, batch {args.batch}:          {ours_s:8.1f} s  {n / ours_s:8.2f} samples/s  "
        f"({base_s / ours_s:.2f}x; identical outputs {same}/{n})"
    )


if __name__ == "__main__":
    main()
