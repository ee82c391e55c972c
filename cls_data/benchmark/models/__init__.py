"""Network modules only (`nn.Module` classes and their layers); every model's `forward` returns named per-task losses.

The families (`cls_data.benchmark.families`) build these; `ot.py` is the Sinkhorn term of `nguyen_kd.py`.
"""
