"""What verifying the run folders adds to `cls-data report`: `report.verify.verify_rows` against the rest of the report.

A grid of hand-made run folders (tests/support/fake_runs.py: Chinese references of 24 Han characters, predictions
with a share of them replaced, per-sample and corpus ROUGE from cls_data.rouge) with a test split of `--n` pairs;
the report is written once with figures and cards off (tables, significance with `--resamples`, case study), and
the verification (reading every predictions file, rescoring it, comparing ids) is timed on its own in the same run,
and against a baseline: the same files rescored one `score_texts` call per file (what a per-run check costs: every
call is below the 20,000 pairs at which cls_data.rouge spreads over the cores).

    python bench/bench_verify.py                # 2 datasets x 8 systems x 1 seed, 3,000 test pairs each
    python bench/bench_verify.py --n 1000 --seeds 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cls_data.report.runs import load_runs  # noqa: E402
from cls_data.report.verify import verify_rows  # noqa: E402
from cls_data.report.writer import ReportConfig, write_report  # noqa: E402
from cls_data.rouge import score_texts  # noqa: E402
from tests.support.fake_runs import make_grid  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="test pairs per run")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = make_grid(Path(folder), sizes=(1000,), seeds=tuple(range(1, args.seeds + 1)), n=args.n)
        runs = load_runs(root)
        started = time.perf_counter()
        verified = verify_rows(root, runs.rows)
        verify_seconds = time.perf_counter() - started
        assert not verified.damaged, verified.damaged[:3]
        started = time.perf_counter()
        for row in runs.rows:
            if row.status == "done":
                lines = [json.loads(line) for line in (root / row.run_dir / "predictions.jsonl").open(encoding="utf-8")]
                score_texts([x["prediction"] for x in lines], [x["reference"] for x in lines], row.tokenizer)
        per_file_seconds = time.perf_counter() - started
        started = time.perf_counter()
        write_report(ReportConfig(runs=root, figures=False, cards=False, resamples=args.resamples))
        report_seconds = time.perf_counter() - started  # verification included
    done = sum(row.status == "done" for row in runs.rows)
    load = "/".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, load {load}")
    print(
        f"baseline, read and rescore each file on its own: {per_file_seconds:.2f} s; verify_rows "
        f"{verify_seconds:.2f} s ({per_file_seconds / verify_seconds:.2f}x)"
    )
    print(
        f"{done} runs x {args.n:,} test pairs: verify {verify_seconds:.2f} s; whole report {report_seconds:.2f} s "
        f"(verify is {100 * verify_seconds / report_seconds:.0f}% of it; the report without it "
        f"{report_seconds - verify_seconds:.2f} s)"
    )


if __name__ == "__main__":
    main()
