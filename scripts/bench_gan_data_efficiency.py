#!/usr/bin/env python
"""Data efficiency on the 100 built-in faces (builtin:lfw) at 32 px: the same model and the same
number of steps with and without DiffAugment; Frechet distance (gan.metrics, fixed random-conv
features) of each against the real faces, next to the real-vs-real floor. Writes both sample grids
and a JSON summary under --out (default docs/gan/).

    .venv/bin/python scripts/bench_gan_data_efficiency.py --steps 1500
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
from pathlib import Path

import jax
import jax.numpy as jnp


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--width", type=int, default=16, help="ngf = ndf")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--out", type=Path, default=Path("docs/gan"))
    args = ap.parse_args()

    from gan.configs.default import get_config
    from gan.input_pipeline import load_dataset
    from gan.metrics import compare
    from gan.sample import enable_compilation_cache, generate_batch, latent, load_model, save_grid
    from gan.train import train_and_evaluate

    enable_compilation_cache()
    real = load_dataset("builtin:lfw", 32)
    args.out.mkdir(parents=True, exist_ok=True)
    results = {}
    for name, policy in (("augmented", get_config().augment), ("plain", "")):
        cfg = get_config(
            data="builtin:lfw",
            resolution=32,
            steps=args.steps,
            batch_size=args.batch_size,
            ngf=args.width,
            ndf=args.width,
            seed=args.seed,
            augment=policy,
            sample_every=args.steps,
            checkpoint_every=args.steps,
            log_every=50,
        )
        with tempfile.TemporaryDirectory() as run:
            t0 = time.perf_counter()
            train_and_evaluate(cfg, run, dataset=real)
            seconds = time.perf_counter() - t0
            model = load_model(run)
        z = jnp.stack([latent(10_000 + i, cfg.z_dim) for i in range(args.samples)])
        fake = generate_batch(model, z)
        save_grid(fake[:64], args.out / f"lfw32_{name}.png", columns=8)
        res = compare(real.images, fake)
        results[name] = {**dataclasses.asdict(res), "train_seconds": round(seconds, 1)}
        print(name, json.dumps(results[name]), flush=True)
    save_grid(real.images[:64], args.out / "lfw32_real.png", columns=8)
    ratio = results["augmented"]["fd"] / results["plain"]["fd"]
    summary = {
        "config": {
            "steps": args.steps,
            "batch_size": args.batch_size,
            "width": args.width,
            "seed": args.seed,
            "samples": args.samples,
        },
        "results": results,
        "fd_ratio_augmented_over_plain": ratio,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "jax": jax.__version__,
    }
    (args.out / "data_efficiency.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"FD augmented / plain = {ratio:.3f} (target <= 0.6)")


if __name__ == "__main__":
    main()
