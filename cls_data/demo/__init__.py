"""`cls-data demo`: the whole pipeline, offline, on a bundled sample of Vietnamese news pages."""

from cls_data.demo.result import DemoProgress, DemoResult
from cls_data.demo.run import GRID, KEEP, SPLIT_SIZES, run_demo

__all__ = ["GRID", "KEEP", "SPLIT_SIZES", "DemoProgress", "DemoResult", "run_demo"]
