"""The accelerator check behind ``scripts/gpu-check`` (see there). Usage:

    scripts/gpu-check [--steps 200] [--resolution 128] [--precision f32|bf16] [--json]
    scripts/gpu-check --cpu-smoke      # the same path, tiny, on CPU

Exit status: 0 when training ran and `verify --regenerate`'s check (the numpy generator on CPU,
gan.regenerate's tolerance) accepted every work, 1 when it did not, 3 when no accelerator is found
(without --cpu-smoke).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEEDS = list(range(1, 9))

# Runs in a CPU-only subprocess: regenerates each PNG from its record with the export, on CPU.
_ON_CPU = """
import json, sys
import numpy as np
from gan.pngrecord import read_record
from gan.regenerate import regenerate_and_compare
from gan.sample import generate, load_model
model = load_model(sys.argv[1])
out = []
for png in sys.argv[2:]:
    record, pixels = read_record(png)
    result = regenerate_and_compare(png, sys.argv[1])
    mine = generate(model, int(record["seed"]), truncation=record.get("truncation"))
    diff = np.abs(mine.astype(int) - pixels.astype(int))
    out.append({"png": png, "match": result.match, "max_abs_diff": int(diff.max()),
                "differing_values": float((diff > 0).mean()),
                "numpy_max_abs_diff": result.max_abs_diff,
                "numpy_differing_values": result.differing_fraction})
print(json.dumps(out))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/gpu-check", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--resolution", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--precision", choices=["f32", "bf16"], default="f32")
    parser.add_argument("--cpu-smoke", action="store_true", help="tiny run on CPU (for tests)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.cpu_smoke:
        os.environ["JAX_PLATFORMS"] = "cpu"
    import jax

    from gan.configs.default import get_config
    from gan.input_pipeline import load_dataset
    from gan.pngrecord import make_record, write_png
    from gan.sample import generate, load_model
    from gan.train import train_and_evaluate

    backend = jax.default_backend()
    if backend == "cpu" and not args.cpu_smoke:
        print(
            "gpu-check: no accelerator (jax's backend is cpu); install jax's plugin for it, "
            "or run --cpu-smoke to exercise this script on CPU",
            file=sys.stderr,
        )
        return 3
    steps, resolution, batch, width = args.steps, args.resolution, args.batch_size, 32
    if args.cpu_smoke:
        steps, resolution, batch, width = 4, 32, 4, 4
    config = get_config(
        data="builtin:lfw",
        resolution=resolution,
        steps=steps,
        batch_size=batch,
        ngf=width,
        ndf=width,
        precision=args.precision,
        sample_every=10**9,
        checkpoint_every=10**9,
        log_every=10**9,
    )
    dataset = load_dataset("builtin:lfw", resolution)
    times: list[float] = []

    def on_step(step: int, values: dict[str, float]) -> None:
        times.append(time.perf_counter())

    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        run = Path(tmp) / "run"
        started = time.perf_counter()
        result = train_and_evaluate(config, run, dataset=dataset, on_step=on_step)
        total = time.perf_counter() - started
        # The first step carries compilation: the rate is over the steps after it.
        rate = (len(times) - 1) * batch / (times[-1] - times[0]) if len(times) > 1 else 0.0
        model = load_model(run)
        pngs = []
        for seed in SEEDS:
            path = Path(tmp) / f"seed{seed}.png"
            write_png(generate(model, seed), path, make_record(model.export.sha256, seed))
            pngs.append(str(path))
        env = {**os.environ, "JAX_PLATFORMS": "cpu"}
        proc = subprocess.run(
            [sys.executable, "-c", _ON_CPU, str(result.export_path), *pngs],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if proc.returncode != 0:
            print(f"gpu-check: CPU regeneration failed: {proc.stderr[-2000:]}", file=sys.stderr)
            return 1
        checks = json.loads(proc.stdout.strip().splitlines()[-1])
    summary = {
        "backend": backend,
        "devices": [str(d) for d in jax.devices()],
        "resolution": resolution,
        "batch_size": batch,
        "precision": args.precision,
        "steps": steps,
        "train_seconds": round(total, 2),
        "images_per_s": round(rate, 1),
        "regenerated_on_cpu": sum(c["match"] for c in checks),
        "works": len(checks),
        # JAX on CPU against the accelerator's pixels, and the numpy regeneration against them.
        "max_abs_diff": max(c["max_abs_diff"] for c in checks),
        "differing_values": max(c["differing_values"] for c in checks),
        "numpy_max_abs_diff": max(c["numpy_max_abs_diff"] for c in checks),
        "numpy_differing_values": max(c["numpy_differing_values"] for c in checks),
    }
    regenerated = summary["regenerated_on_cpu"] == summary["works"]
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{backend}: {steps} steps at {resolution} px, batch {batch}, {args.precision}: ")
        print(f"  {rate:.1f} images/s after compilation ({total:.1f} s in all)")
        print(
            f"  verify --regenerate (numpy, CPU): {summary['regenerated_on_cpu']}/{len(checks)} "
            f"works accepted (max |diff| {summary['numpy_max_abs_diff']} of 255 on "
            f"{100 * summary['numpy_differing_values']:.3f}% of values); JAX on CPU: max |diff| "
            f"{summary['max_abs_diff']} on {100 * summary['differing_values']:.3f}% of values"
        )
    return 0 if regenerated else 1


if __name__ == "__main__":
    sys.exit(main())
