#!/usr/bin/env python
"""The GAN in face space, on the built-in faces (builtin:lfw, 32 px, 80 trained on, 20 held out):

1. data efficiency: the same model, seed and number of steps with and without DiffAugment, scored
   in dlib's 128-D face-descriptor space (FD, KID, memorisation) next to the random-conv FD of
   gan.metrics, both against the training faces with their real-vs-real floors, in one run;
2. speed of the face tools on this machine: descriptors per second, and FFHQ alignment per
   photograph (scikit-image's astronaut, as shot and upscaled to camera sizes).

    .venv/bin/python scripts/bench_gan_faces.py --steps 3000      # writes docs/gan/faces_3000.json
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
from PIL import Image


def speeds(repeats: int) -> dict[str, object]:
    from skimage.data import astronaut, lfw_subset

    from gan.align import align_face
    from gan.faces import face_descriptors

    faces = np.stack(
        [
            np.asarray(Image.fromarray((f * 255).astype(np.uint8)).resize((64, 64)).convert("RGB"))
            for f in lfw_subset()[:100]
        ]
    )
    face_descriptors(faces[:2])  # load the models
    t0 = time.perf_counter()
    face_descriptors(faces)
    per_face = (time.perf_counter() - t0) / len(faces)
    photo = Image.fromarray(astronaut())
    align: dict[str, float] = {}
    for side in (512, 2048, 6000):
        big = photo.resize((side, side), Image.Resampling.BICUBIC) if side != 512 else photo
        align_face(big, 256)
        t0 = time.perf_counter()
        for _ in range(repeats):
            align_face(big, 256)
        align[f"{side}x{side}"] = round(1000 * (time.perf_counter() - t0) / repeats, 1)
    return {
        "descriptor_ms_per_face": round(1000 * per_face, 1),
        "descriptors_per_s": round(1 / per_face, 1),
        "align_ms_per_photo_to_256px": align,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--width", type=int, default=16, help="ngf = ndf")
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=5, help="alignment timing repeats")
    ap.add_argument("--out", type=Path, default=Path("docs/gan"))
    ap.add_argument(
        "--smoke", action="store_true", help="tiny run into a temp folder: check the script works"
    )
    args = ap.parse_args()
    if args.smoke:
        args.steps, args.samples, args.repeats, args.out = (
            4,
            8,
            1,
            Path(tempfile.mkdtemp(prefix="bench-smoke-")),
        )

    from gan.configs.default import get_config
    from gan.faces import SAME_PERSON, compare_faces, face_descriptors
    from gan.input_pipeline import load_dataset
    from gan.metrics import compare
    from gan.sample import enable_compilation_cache, generate_batch, latent, load_model, save_grid
    from gan.train import train_and_evaluate

    enable_compilation_cache()
    faces = load_dataset("builtin:lfw", 32)
    train = dataclasses.replace(faces, images=faces.images[:80])
    held = faces.images[80:]
    real_desc = face_descriptors(train.images)
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, object]] = {}
    for name, policy in (("augmented", get_config().augment), ("plain", "")):
        cfg = get_config(
            data="builtin:lfw",
            resolution=32,
            steps=args.steps,
            batch_size=args.batch_size,
            ngf=args.width,
            ndf=args.width,
            augment=policy,
            sample_every=args.steps,
            checkpoint_every=args.steps,
            log_every=100,
        )
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            train_and_evaluate(cfg, tmp, dataset=train)
            seconds = time.perf_counter() - t0
            model = load_model(tmp)
        z = jnp.stack([latent(10_000 + i, cfg.z_dim) for i in range(args.samples)])
        fake = generate_batch(model, z)
        save_grid(fake[:64], args.out / f"lfw32_{name}_faces_{args.steps}.png", columns=8)
        pixel = compare(train.images, fake)
        face = compare_faces(train.images, fake, real_descriptors=real_desc)
        held_face = compare_faces(held, fake)
        results[name] = {
            "train_seconds": round(seconds, 1),
            "face_fd": face.fd,
            "face_kid": face.kid,
            "face_fd_floor": face.fd_floor,
            "face_kid_floor": face.kid_floor,
            "face_fd_heldout": held_face.fd,
            "memorised": len(face.memorisation.flagged),
            "nearest_training_face_median": float(np.median(face.memorisation.distances)),
            "pixel_fd": pixel.fd,
            "pixel_kid": pixel.kid,
            "pixel_fd_floor": pixel.fd_floor,
        }
        print(name, json.dumps(results[name]), flush=True)
    held_vs_train = compare_faces(train.images, held, real_descriptors=real_desc)
    summary: dict[str, object] = {
        "config": {
            "steps": args.steps,
            "batch_size": args.batch_size,
            "width": args.width,
            "samples": args.samples,
            "train_faces": 80,
            "heldout_faces": 20,
            "same_person_threshold": SAME_PERSON,
        },
        "results": results,
        "real_heldout_vs_train": {
            "face_fd": held_vs_train.fd,
            "memorised": len(held_vs_train.memorisation.flagged),
            "nearest_training_face_median": float(np.median(held_vs_train.memorisation.distances)),
        },
        "face_fd_ratio_augmented_over_plain": float(results["augmented"]["face_fd"])  # type: ignore[arg-type]
        / float(results["plain"]["face_fd"]),  # type: ignore[arg-type]
        "pixel_fd_ratio_augmented_over_plain": float(results["augmented"]["pixel_fd"])  # type: ignore[arg-type]
        / float(results["plain"]["pixel_fd"]),  # type: ignore[arg-type]
        "speed": speeds(args.repeats),
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "jax": jax.__version__,
    }
    (args.out / f"faces_{args.steps}.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
