#!/usr/bin/env python3
"""How close the numpy generator (what `verify --regenerate` runs) comes to JAX's pixels.

    .venv/bin/python scripts/bench_regenerate_pixels.py [--seeds 300] [--steps 40] [--smoke]

For the shipped default model (32 px) and two freshly trained tiny models (32 and 64 px, STEPS
training steps each on builtin:digits), over SEEDS seeds, with and without truncation (0.7), and
as generated / enlarged 4x (lanczos, nearest): the largest difference of a uint8 value between
numpy and JAX, how many images are bit-identical, and the worst share of values that differ in one
image. Next to it, the same figures between a seed's numpy image and the NEXT seed's JAX image:
how far a wrong seed is from the tolerance that `gan.regenerate` accepts. Also the time of one
regeneration's generator call in each. --smoke: 8 seeds, the default model and one 32 px model
trained 2 steps (checks the script works). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_MODEL = ROOT / "gan" / "default_model" / "generator.msgpack"
ENLARGEMENTS = (None, (4, "lanczos"), (4, "nearest"))


def trained(resolution: int, steps: int, folder: Path) -> Path:
    from gan.configs.default import get_config
    from gan.input_pipeline import load_dataset
    from gan.train import train_and_evaluate

    config = get_config(
        data="builtin:digits",
        resolution=resolution,
        steps=steps,
        batch_size=8,
        z_dim=32,
        ngf=8,
        ndf=8,
        sample_every=10**9,
        checkpoint_every=10**9,
        log_every=10**9,
    )
    full = load_dataset("builtin:digits", resolution)
    dataset = dataclasses.replace(full, images=np.ascontiguousarray(full.images[:64]))
    return Path(train_and_evaluate(config, folder, dataset=dataset).export_path)


def compare(model_path: Path, seeds: int) -> dict[str, Any]:
    import jax.numpy as jnp

    from gan import numpy_generator, numpy_random
    from gan.export import read_export
    from gan.pixels import to_uint8, upscale
    from gan.sample import generate, generate_batch, latent, load_model

    model = load_model(model_path)
    export = read_export(model_path)
    arrays = numpy_generator.check_params(export.params, export.config)
    z_dim = export.config.z_dim
    figures: dict[str, Any] = {"resolution": export.config.resolution, "seeds": seeds}
    for truncation in (None, 0.7):
        z_np = np.stack(
            [numpy_random.latent(s, z_dim, truncation=truncation) for s in range(seeds)]
        )
        z_jax = jnp.stack([latent(s, z_dim, truncation=truncation) for s in range(seeds)])
        mine = to_uint8(numpy_generator.forward(arrays, export.config, z_np))
        theirs = generate_batch(model, z_jax)
        for enlargement in ENLARGEMENTS:
            same, other = [], []
            for i in range(seeds):
                a, b = mine[i], theirs[i]
                c = theirs[(i + 1) % seeds]
                if enlargement is not None:
                    a, b, c = (upscale(x, *enlargement) for x in (a, b, c))
                same.append(np.abs(a.astype(np.int16) - b))
                other.append(np.abs(a.astype(np.int16) - c))
            name = f"truncation={truncation}" + (
                "" if enlargement is None else f",upscale={enlargement[0]}x{enlargement[1]}"
            )
            figures[name] = {
                "max_level_diff": int(max(d.max() for d in same)),
                "identical_images": sum(int(not d.any()) for d in same),
                "worst_differing_fraction": round(
                    max(np.count_nonzero(d) / d.size for d in same), 6
                ),
                "wrong_seed_min_max_level_diff": int(min(d.max() for d in other)),
                "wrong_seed_min_differing_fraction": round(
                    min(np.count_nonzero(d) / d.size for d in other), 4
                ),
            }
    # One regeneration's generator call, warm (JAX compiled, numpy's BLAS loaded), median of 5.
    numpy_s, jax_s = [], []
    generate(model, 0)
    for seed in range(5):
        start = time.perf_counter()
        numpy_generator.generate(arrays, export.config, seed)
        numpy_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        generate(model, seed)
        jax_s.append(time.perf_counter() - start)
    figures["one_image_ms"] = {
        "numpy": round(1000 * float(np.median(numpy_s)), 2),
        "jax_warm": round(1000 * float(np.median(jax_s)), 2),
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=300)
    parser.add_argument("--steps", type=int, default=40, help="training steps of the tiny models")
    parser.add_argument("--smoke", action="store_true", help="8 seeds, 2 steps, 32 px only")
    options = parser.parse_args()
    seeds = 8 if options.smoke else options.seeds
    steps = 2 if options.smoke else options.steps
    resolutions = (32,) if options.smoke else (32, 64)
    report: dict[str, Any] = {"default_model": compare(DEFAULT_MODEL, seeds)}
    with tempfile.TemporaryDirectory() as tmp:
        for resolution in resolutions:
            export = trained(resolution, steps, Path(tmp) / f"run{resolution}")
            report[f"tiny_{resolution}px_{steps}_steps"] = compare(export, seeds)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
