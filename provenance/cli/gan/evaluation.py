"""``provenance gan evaluate`` and ``provenance gan bench``."""

from __future__ import annotations

from typing import Any

import click

from provenance.cli.gan import gan
from provenance.cli.gan.common import gan_errors, load_model, print_json
from provenance.cli.options import json_option

_READ_PIXEL_SPACE = (
    "lower = colour, texture and layout statistics closer to the real images (random conv "
    "features: they do not see faces, read them next to the floor and the face numbers)"
)
_READ_FACE_FD = (
    "lower = generated faces closer to the real ones in dlib's 128-D face-descriptor space; "
    "the floor is what two halves of the real faces score, no generator should expect below it"
)
_READ_FACE_KID = "same space, unbiased (usable with few samples); lower is better, floor as above"
_READ_FACES_FOUND = (
    "dlib's face detector on each image scaled to 128 px: is a work face-shaped at all; a ratio "
    "near 1 means as often as the real images"
)


@gan.command()
@click.option("--model", required=True, help="A run folder or an exported model file.")
@click.option("--data", required=True, help="Real images: a folder or builtin:NAME.")
@click.option("--samples", type=click.IntRange(min=4), default=200, show_default=True)
@click.option(
    "--face-real",
    type=click.IntRange(min=4),
    default=2000,
    show_default=True,
    help="Real images described in face space (about 60-80 ms each on one core).",
)
@click.option("--no-faces", is_flag=True, help="Skip the face-descriptor numbers.")
@json_option
def evaluate(
    model: str, data: str, samples: int, face_real: int, no_faces: bool, as_json: bool
) -> None:
    """FD and KID against real images in two spaces, each with its real-vs-real floor: fixed
    random-conv features (pixel statistics) and dlib's face descriptors; how often dlib's face
    detector finds a face in generated and in real images; and the memorisation check (generated
    faces closer than dlib's same-person threshold to a training face)."""
    with gan_errors():
        import jax
        import numpy as np

        from gan.input_pipeline import load_dataset
        from gan.metrics import compare
        from gan.sample import generate_batch, latent

        loaded = load_model(model)
        cfg = loaded.export.config
        real = load_dataset(data, cfg.resolution, align=cfg.align).images
        z = jax.numpy.stack([latent(10_000 + i, loaded.z_dim) for i in range(samples)])
        fake = generate_batch(loaded, z)
        res = compare(real, fake)
        face = None
        if not no_faces:
            from gan.faces import SAME_PERSON, compare_faces, contains_face

            pick = np.sort(np.random.default_rng(0).permutation(len(real))[:face_real])
            face = compare_faces(real[pick], fake)
            found_fake = float(contains_face(fake).mean())
            found_real = float(contains_face(real[pick]).mean())
    out: dict[str, Any] = {
        "fd": res.fd,
        "kid": res.kid,
        "fd_floor": res.fd_floor,
        "kid_floor": res.kid_floor,
        "n_real": res.n_real,
        "n_fake": res.n_fake,
    }
    if face is not None:
        mem = face.memorisation
        out["face"] = {
            "fd": face.fd,
            "kid": face.kid,
            "fd_floor": face.fd_floor,
            "kid_floor": face.kid_floor,
            "n_real": face.n_real,
            "n_fake": face.n_fake,
        }
        out["faces_found"] = {
            "generated": found_fake,
            "real": found_real,
            "ratio": found_fake / found_real if found_real else None,
        }
        out["memorisation"] = {
            "threshold": SAME_PERSON,
            "min_distance": float(mem.distances.min()),
            "flagged": [
                {
                    "seed": 10_000 + int(i),
                    "distance": float(mem.distances[i]),
                    "training_image": int(pick[mem.nearest[i]]),
                }
                for i in mem.flagged
            ],
        }
    if as_json:
        print_json(out)
        return
    click.echo(
        f"FD {res.fd:.3f} (real-vs-real floor {res.fd_floor:.3f})  "
        f"KID {res.kid:.4f} (floor {res.kid_floor:.4f})  [{res.n_real} real, {res.n_fake} generated]"
    )
    click.echo(f"  {_READ_PIXEL_SPACE}")
    if face is None:
        return
    click.echo(
        f"face FD {face.fd:.4f} (real-vs-real floor {face.fd_floor:.4f})  "
        f"face KID {face.kid:.5f} (floor {face.kid_floor:.5f})  "
        f"[{face.n_real} real, {face.n_fake} generated]"
    )
    click.echo(f"  face FD: {_READ_FACE_FD}")
    click.echo(f"  face KID: {_READ_FACE_KID}")
    found = out["faces_found"]
    ratio = "n/a" if found["ratio"] is None else f"{found['ratio']:.2f}"
    click.echo(
        f"faces found: {found['generated']:.0%} of {face.n_fake} generated, {found['real']:.0%} "
        f"of {face.n_real} real (ratio {ratio})"
    )
    click.echo(f"  {_READ_FACES_FOUND}")
    flagged = out["memorisation"]["flagged"]
    click.echo(
        f"memorisation: {len(flagged)} of {face.n_fake} generated faces closer than {SAME_PERSON} "
        f"(dlib's same-person threshold) to a training face; nearest "
        f"{out['memorisation']['min_distance']:.3f}"
        + (f"; seeds {', '.join(str(f['seed']) for f in flagged[:10])}" if flagged else "")
    )


@gan.command()
@click.option(
    "--resolution", type=click.Choice(["32", "64", "128", "256"]), default="32", show_default=True
)
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True)
@click.option("--steps", type=click.IntRange(min=1), default=10, show_default=True)
@json_option
def bench(resolution: str, batch_size: int, steps: int, as_json: bool) -> None:
    """Training throughput (images/s, GFLOP/s) and this machine's float32 matmul peak (the best of
    XLA's own kernels and oneDNN's)."""
    from gan.bench import matmul_peaks, train_throughput
    from gan.configs.default import get_config

    t = train_throughput(get_config(resolution=int(resolution), batch_size=batch_size), steps=steps)
    peak = matmul_peaks()["best"]
    out = {
        "resolution": t.resolution,
        "batch_size": t.batch_size,
        "images_per_s": t.images_per_s,
        "gflops": t.gflops,
        "matmul_peak_gflops": peak,
    }
    if as_json:
        print_json(out)
    else:
        click.echo(
            f"{t.resolution}px batch {t.batch_size}: {t.images_per_s:.1f} images/s, "
            f"{t.gflops:.1f} GFLOP/s ({100 * t.gflops / peak:.0f}% of matmul peak {peak:.1f})"
        )
