#!/usr/bin/env python3
"""Measure ISCC image-code distances between works and their copies (docs/verify.md's table).

    .venv/bin/python scripts/measure_copy_distances.py [--faces 40]

On scikit-image's LFW face crops (aligned grey faces, much alike: the hard case), resized to
128 px: each face against its 4x upscaled JPEG (quality 85), its half-size copy and copies cropped
by 2.5% and 5% on each side; and every pair of different faces. Prints one JSON document. Needs
the GAN extra (scikit-image) and the dev extra (iscc-core): the project's ISCC distance agrees
with iscc_core.iscc_distance (checked on the first pair).
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import statistics

import numpy as np
from PIL import Image

from provenance.content.fingerprint import (
    NEAR_DISTANCE,
    Fingerprint,
    fingerprint_of_image,
    iscc_bits,
)


def distance(a: Fingerprint, b: Fingerprint) -> int:
    return (iscc_bits(a.iscc) ^ iscc_bits(b.iscc)).bit_count()


def crop(image: Image.Image, fraction: float) -> Image.Image:
    w, h = image.size
    dx, dy = round(w * fraction), round(h * fraction)
    return image.crop((dx, dy, w - dx, h - dy))


def jpeg_upscaled(image: Image.Image) -> Image.Image:
    buffer = io.BytesIO()
    image.resize((image.width * 4, image.height * 4)).save(buffer, "JPEG", quality=85)
    return Image.open(io.BytesIO(buffer.getvalue()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faces", type=int, default=40)
    options = parser.parse_args()
    from skimage import data

    faces = data.lfw_subset()[: options.faces]
    images = [Image.fromarray((f * 255).astype(np.uint8)).resize((128, 128)) for f in faces]
    codes = [fingerprint_of_image(i) for i in images]
    copies = {
        "jpeg_4x_q85": jpeg_upscaled,
        "half_size": lambda i: i.resize((64, 64)),
        "crop_2.5pct_each_side": lambda i: crop(i, 0.025),
        "crop_5pct_each_side": lambda i: crop(i, 0.05),
    }
    report: dict[str, object] = {"faces": len(images), "near_distance": NEAR_DISTANCE}
    for name, make in copies.items():
        found = [distance(c, fingerprint_of_image(make(i))) for i, c in zip(images, codes)]
        report[name] = {
            "max": max(found),
            "median": statistics.median(found),
            "within_near": sum(d <= NEAR_DISTANCE for d in found),
        }
    others = sorted(distance(a, b) for a, b in itertools.combinations(codes, 2))
    report["different_faces"] = {
        "pairs": len(others),
        "min": others[0],
        "p1": others[len(others) // 100],
        "median": statistics.median(others),
        "within_near": sum(d <= NEAR_DISTANCE for d in others),
    }
    import iscc_core

    assert iscc_core.iscc_distance(codes[0].iscc, codes[1].iscc) == distance(codes[0], codes[1])
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
