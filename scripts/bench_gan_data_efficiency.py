#!/usr/bin/env python
"""Data efficiency on the built-in faces (builtin:lfw) at 32 px: the same model, the same seed and
the same number of steps with and without DiffAugment (+ x-flip), then

- Frechet distance and KID (gan.metrics, fixed random-conv features) of 500 samples against the
  TRAINING faces, next to the real-vs-real floor (the issue's figure);
- with ``--holdout K`` (default 20) the last K of the 100 faces are never trained on, and the
  script also reports what the training-set FD cannot see:
  * D overfitting (as in Karras et al. 2020, ADA): the discriminator's mean raw logit on the
    training faces and on the held-out faces, measured every ``--steps / --probes`` steps on the
    un-augmented images. A D that has memorised its training set scores the held-out faces like
    fakes (the gap grows);
  * memorisation: the median pixel-space nearest-neighbour distance of the samples to the
    training faces, next to the same distance for the held-out real faces (a new face drawn from
    the same distribution is that far from the training set; a copying generator is much closer);
  * FD and KID against the held-out faces (with K images these are noisy: reported, not relied on).

Writes both sample grids, the real faces and a JSON summary under --out (default docs/gan/).

    .venv/bin/python scripts/bench_gan_data_efficiency.py --steps 3000
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
import numpy as np


def d_logits(run: Path, cfg, step: int, images: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The raw discriminator logits of the checkpoint at ``step`` on ``images`` (no augmentation)."""
    import orbax.checkpoint as ocp
    from flax import nnx

    from gan.train import _init_state

    state, _, d_def = _init_state(cfg)
    abstract = jax.tree.map(ocp.utils.to_shape_dtype_struct, state)
    with ocp.CheckpointManager(run / "checkpoints") as manager:
        restored = manager.restore(step, args=ocp.args.StandardRestore(abstract))
    d = nnx.merge(d_def, restored["d"])
    return np.asarray(jax.jit(lambda x: d(x))(jnp.asarray(images)))


def nn_distance(queries: np.ndarray, refs: np.ndarray) -> np.ndarray:
    """Per-query RMS pixel distance (images in [-1, 1]) to the nearest reference image."""
    q = queries.reshape(len(queries), -1).astype(np.float64)
    r = refs.reshape(len(refs), -1).astype(np.float64)
    d2 = (q * q).sum(1)[:, None] + (r * r).sum(1)[None, :] - 2 * q @ r.T
    return np.sqrt(np.maximum(d2.min(axis=1), 0) / q.shape[1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--width", type=int, default=16, help="ngf = ndf")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--holdout", type=int, default=20, help="faces never trained on (0: none)")
    ap.add_argument("--probes", type=int, default=4, help="D-overfitting probes during training")
    ap.add_argument("--arms", default="augmented,plain")
    ap.add_argument("--out", type=Path, default=Path("docs/gan"))
    ap.add_argument(
        "--smoke", action="store_true", help="tiny run into a temp folder: check the script works"
    )
    args = ap.parse_args()
    if args.smoke:
        args.steps, args.samples, args.probes, args.holdout, args.out = (
            4,
            8,
            1,
            2,
            Path(tempfile.mkdtemp(prefix="bench-smoke-")),
        )

    from gan.configs.default import get_config
    from gan.input_pipeline import load_dataset
    from gan.metrics import compare, features, frechet_distance, kid
    from gan.sample import enable_compilation_cache, generate_batch, latent, load_model, save_grid
    from gan.train import train_and_evaluate

    enable_compilation_cache()
    faces = load_dataset("builtin:lfw", 32)
    n_train = len(faces.images) - args.holdout
    train = dataclasses.replace(faces, images=faces.images[:n_train])
    held = faces.images[n_train:]
    args.out.mkdir(parents=True, exist_ok=True)
    policies = {"augmented": get_config().augment, "plain": ""}
    results = {}
    for name in args.arms.split(","):
        cfg = get_config(
            data="builtin:lfw",
            resolution=32,
            steps=args.steps,
            batch_size=args.batch_size,
            ngf=args.width,
            ndf=args.width,
            seed=args.seed,
            augment=policies[name],
            sample_every=args.steps,
            checkpoint_every=args.steps,
            log_every=50,
        )
        probes = []
        with tempfile.TemporaryDirectory() as tmp:
            run, seconds = Path(tmp), 0.0
            # Stopping and resuming reproduces the uninterrupted run exactly (tested), so the
            # probes do not change what is trained.
            for k in range(1, args.probes + 1):
                at = args.steps * k // args.probes
                t0 = time.perf_counter()
                train_and_evaluate(cfg, run, dataset=train, stop_after=at)
                seconds += time.perf_counter() - t0
                if args.holdout:
                    lt = d_logits(run, cfg, at, train.images)
                    lh = d_logits(run, cfg, at, held)
                    probes.append(
                        {
                            "step": at,
                            "d_logit_train": round(float(lt.mean()), 4),
                            "d_logit_heldout": round(float(lh.mean()), 4),
                        }
                    )
                    print(name, json.dumps(probes[-1]), flush=True)
            model = load_model(run)
        z = jnp.stack([latent(10_000 + i, cfg.z_dim) for i in range(args.samples)])
        fake = generate_batch(model, z)
        save_grid(fake[:64], args.out / f"lfw32_{name}.png", columns=8)
        res = compare(train.images, fake)
        row: dict[str, object] = {**dataclasses.asdict(res), "train_seconds": round(seconds, 1)}
        if args.holdout:
            fake_f = fake.astype(np.float32) / 127.5 - 1.0
            fr_h, ff = features(held), features(fake)
            row["fd_heldout"] = frechet_distance(fr_h, ff)
            row["kid_heldout"] = kid(fr_h, ff)
            row["nn_dist_fake_to_train_median"] = float(
                np.median(nn_distance(fake_f, train.images))
            )
            row["d_probes"] = probes
        results[name] = row
        print(name, json.dumps(row), flush=True)
    save_grid(faces.images[:64], args.out / "lfw32_real.png", columns=8)
    summary: dict[str, object] = {
        "config": {
            "steps": args.steps,
            "batch_size": args.batch_size,
            "width": args.width,
            "seed": args.seed,
            "samples": args.samples,
            "train_faces": n_train,
            "heldout_faces": args.holdout,
        },
        "results": results,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "jax": jax.__version__,
    }
    if args.holdout:
        ftr, fh = features(train.images), features(held)
        summary["real_heldout_vs_train"] = {
            "fd": frechet_distance(ftr, fh),
            "kid": kid(ftr, fh),
            "nn_dist_to_train_median": float(np.median(nn_distance(held, train.images))),
        }
    if "augmented" in results and "plain" in results:
        ratio = float(results["augmented"]["fd"]) / float(results["plain"]["fd"])  # type: ignore[arg-type]
        summary["fd_ratio_augmented_over_plain"] = ratio
        print(f"FD (vs training faces) augmented / plain = {ratio:.3f} (target <= 0.6)")
    (args.out / "data_efficiency.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
