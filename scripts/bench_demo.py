#!/usr/bin/env python3
"""Wall time of `scripts/demo` after set-up, each run on a fresh PROVENANCE_HOME (so a fresh devnet
and a first deployment, as on a new clone), against the goal of 60 s. Prints each run and the
median. Usage: .venv/bin/python scripts/bench_demo.py [--runs 3]"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 60.0


def one_run(workdir: Path) -> float:
    env = {
        **os.environ,
        "PROVENANCE_HOME": str(workdir / "home"),
        "PROVENANCE_DEMO_DIR": str(workdir / "demo"),
    }
    start = time.perf_counter()
    try:
        subprocess.run(
            [str(ROOT / "scripts/demo")], env=env, check=True, capture_output=True, timeout=600
        )
        return time.perf_counter() - start
    finally:
        provenance = ROOT / ".venv/bin/provenance"
        subprocess.run(
            [str(provenance), "chain", "down"], env=env, check=False, capture_output=True
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--smoke", action="store_true", help="one run, no setup: check the script works"
    )
    args = parser.parse_args()
    if args.smoke:
        args.runs = 1
    if not args.smoke:
        subprocess.run([str(ROOT / "scripts/setup")], check=True, capture_output=True)
    times = []
    for index in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="bench-demo-") as workdir:
            seconds = one_run(Path(workdir))
        times.append(seconds)
        print(f"run {index + 1}: {seconds:.1f} s", flush=True)
    median = statistics.median(times)
    print(f"scripts/demo median of {args.runs}: {median:.1f} s (goal: under {GOAL_S:.0f} s)")
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
