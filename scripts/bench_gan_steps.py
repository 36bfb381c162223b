#!/usr/bin/env python
"""CPU wall time of GAN training at 64 px with the default model (width 32, batch 32, DiffAugment)
on the built-in faces: the time per 1,000 steps, measured, and 10,000 steps extrapolated from it
(labelled as such), with this machine's load and matmul peak beside it.

    .venv/bin/python scripts/bench_gan_steps.py --steps 1000     # writes docs/gan/steps64.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import jax


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--out", type=Path, default=Path("docs/gan/steps64.json"))
    ap.add_argument(
        "--smoke", action="store_true", help="tiny run into a temp file: check the script works"
    )
    args = ap.parse_args()
    if args.smoke:
        args.steps, args.resolution, args.batch_size, args.width = 4, 32, 8, 8
        args.out = Path(tempfile.mkdtemp(prefix="bench-smoke-")) / "steps.json"

    from gan.bench import matmul_peak_gflops
    from gan.configs.default import get_config
    from gan.input_pipeline import load_dataset
    from gan.train import train_and_evaluate

    cfg = get_config(
        data="builtin:lfw",
        resolution=args.resolution,
        steps=args.steps,
        batch_size=args.batch_size,
        ngf=args.width,
        ndf=args.width,
        sample_every=10**9,
        checkpoint_every=10**9,
        log_every=100,
    )
    data = load_dataset("builtin:lfw", args.resolution)
    stamps: list[float] = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        train_and_evaluate(
            cfg, tmp, dataset=data, on_step=lambda s, v: stamps.append(time.perf_counter())
        )
        total = time.perf_counter() - t0
    first = stamps[0] - t0  # compilation + the first step
    per_step = (stamps[-1] - stamps[0]) / (len(stamps) - 1)
    summary = {
        "config": {
            "resolution": args.resolution,
            "batch_size": args.batch_size,
            "width": args.width,
            "augment": cfg.augment,
            "measured_steps": args.steps,
        },
        "measured": {
            "total_seconds": round(total, 1),
            "first_step_with_compilation_seconds": round(first, 1),
            "seconds_per_1000_steps": round(1000 * per_step, 1),
            "images_per_s": round(args.batch_size / per_step, 1),
        },
        "extrapolated_not_measured": {
            "seconds_for_10000_steps": round(first + 10_000 * per_step, 0),
            "hours_for_10000_steps": round((first + 10_000 * per_step) / 3600, 2),
            "how": "first step (with compilation) + 10,000 x the measured mean step time",
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
            "matmul_peak_gflops": round(matmul_peak_gflops(), 1),
            "jax": jax.__version__,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
