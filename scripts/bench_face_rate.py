#!/usr/bin/env python
"""Do the works look like faces? The face-detection rate of a generator against its real images.

dlib's HOG frontal-face detector (upsample 1) runs on images resized bicubic to 128 px, the same
way for both sets: the model's works (seeds 0..99 by default, exactly as ``gan generate`` makes
them) and the model's real training images as its training prepared them (``builtin:lfw`` at the
model's resolution, the first 100 by default). Prints both rates and their ratio; the goal for the
shipped default model is a ratio of at least 0.8 (``--check`` exits 1 below it).

    .venv/bin/python scripts/bench_face_rate.py                      # the shipped default model
    .venv/bin/python scripts/bench_face_rate.py --model RUN_FOLDER --json
    .venv/bin/python scripts/bench_face_rate.py --smoke              # 8 + 8 images, seconds

Exit status: 0 measured (and, with --check, the goal met), 1 goal not met (--check),
2 bad input (a model or data set that cannot be read).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = REPO / "gan" / "default_model" / "generator.msgpack"


def seed_range(text: str) -> list[int]:
    first, _, last = text.partition("-")
    try:
        seeds = list(range(int(first), int(last or first) + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds are FIRST-LAST, e.g. 0-99, not {text!r}") from None
    if not seeds or seeds[0] < 0:
        raise argparse.ArgumentTypeError(f"seeds are FIRST-LAST with 0 <= FIRST <= LAST: {text!r}")
    return seeds


def measure(
    model: str,
    *,
    seeds: list[int],
    real: str,
    real_count: int,
    truncation: float | None,
    size: int,
    upsample: int,
) -> dict[str, Any]:
    import numpy as np

    from gan.faces import contains_face
    from gan.input_pipeline import load_dataset
    from gan.sample import enable_compilation_cache, generate, load_model

    enable_compilation_cache()
    t0 = time.perf_counter()
    loaded = load_model(model)
    cfg = loaded.export.config
    works = np.stack([generate(loaded, s, truncation=truncation) for s in seeds])
    real_images = load_dataset(real, cfg.resolution, align=cfg.align).images[:real_count]
    found_works = contains_face(works, size=size, upsample=upsample)
    found_real = contains_face(real_images, size=size, upsample=upsample)
    work_rate = float(found_works.mean())
    real_rate = float(found_real.mean())
    return {
        "model": {
            "path": str(loaded.export.path),
            "sha256": loaded.export.sha256,
            "bytes": loaded.export.size,
            "resolution": cfg.resolution,
            "width": cfg.ngf,
            "steps": loaded.export.step,
        },
        "detector": {
            "name": "dlib HOG frontal",
            "upsample": upsample,
            "resize": f"bicubic {size}px",
        },
        "generated": {
            "seeds": f"{seeds[0]}-{seeds[-1]}",
            "truncation": truncation,
            "images": len(works),
            "faces": int(found_works.sum()),
            "rate": work_rate,
            "without_face": [s for s, f in zip(seeds, found_works, strict=True) if not f],
        },
        "real": {
            "data": real,
            "resolution": cfg.resolution,
            "images": len(real_images),
            "faces": int(found_real.sum()),
            "rate": real_rate,
        },
        "ratio": work_rate / real_rate if real_rate else None,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--model", default=str(DEFAULT_MODEL), help="exported model or run folder")
    ap.add_argument("--seeds", type=seed_range, default=None, help="FIRST-LAST (default 0-99)")
    ap.add_argument("--real", default="builtin:lfw", help="the model's training images")
    ap.add_argument("--real-count", type=int, default=None, help="first N real images (100)")
    ap.add_argument("--truncation", type=float, default=None)
    ap.add_argument("--size", type=int, default=128, help="detection size in px")
    ap.add_argument("--upsample", type=int, default=1)
    ap.add_argument("--goal", type=float, default=0.8, help="ratio the works should reach")
    ap.add_argument("--check", action="store_true", help="exit 1 when the ratio is below --goal")
    ap.add_argument("--smoke", action="store_true", help="8 works and 8 real images")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    count = 8 if args.smoke else 100
    seeds = args.seeds or list(range(count))
    real_count = args.real_count or count
    if real_count < 1:
        ap.error("--real-count must be positive")

    from gan.errors import GanError

    try:
        result = measure(
            args.model,
            seeds=seeds,
            real=args.real,
            real_count=real_count,
            truncation=args.truncation,
            size=args.size,
            upsample=args.upsample,
        )
    except GanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ratio = result["ratio"]
    result["goal"] = {"ratio": args.goal, "met": ratio is not None and ratio >= args.goal}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        gen, real = result["generated"], result["real"]
        print(f"model      {result['model']['path']} (sha256 {result['model']['sha256'][:16]})")
        print(
            f"generated  {gen['faces']}/{gen['images']} works with a face "
            f"({100 * gen['rate']:.0f}%, seeds {gen['seeds']})"
        )
        print(
            f"real       {real['faces']}/{real['images']} training images with a face "
            f"({100 * real['rate']:.0f}%, {real['data']} at {real['resolution']} px)"
        )
        verdict = "met" if result["goal"]["met"] else "not met"
        shown = "n/a (no real image has a face)" if ratio is None else f"{ratio:.2f}"
        print(f"ratio      {shown} (goal >= {args.goal}: {verdict})")
    return 1 if args.check and not result["goal"]["met"] else 0


if __name__ == "__main__":
    sys.exit(main())
