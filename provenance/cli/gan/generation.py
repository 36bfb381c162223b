"""``provenance gan generate``: one artwork or many, with their generation records (and Content Credentials)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from provenance.cli.gan import gan
from provenance.cli.gan.common import gan_errors, load_model, parse_seeds, print_json
from provenance.cli.options import json_option
from provenance.cli.passphrase import passphrase_env_option, read_passphrase
from provenance.content.generation import model_cid
from provenance.errors import InputError, ProvenanceError

# The artist's word for each filter, and the name the generation record carries.
UPSCALE_FILTER_NAMES = {"smooth": "lanczos", "nearest": "nearest"}


@gan.command()
@click.option(
    "--model", required=True, help="A run folder (its latest export) or an exported model file."
)
@click.option("--seed", type=click.IntRange(min=0, max=2**32 - 1), default=None)
@click.option(
    "--seeds", default=None, help="Many artworks in one run: 1-100, 3,7,9 (-o is then a folder)."
)
@click.option("--truncation", type=click.FloatRange(min=0, min_open=True), default=None)
@click.option(
    "--upscale",
    type=click.IntRange(min=1, max=32),
    default=1,
    show_default=True,
    help="Write the work N times larger (e.g. 8: a 32 px model gives 256 px), recorded so that it "
    "still regenerates exactly.",
)
@click.option(
    "--filter",
    "upscale_filter",
    type=click.Choice(list(UPSCALE_FILTER_NAMES)),
    default="smooth",
    show_default=True,
    help="How --upscale enlarges: smooth (Lanczos, reads as a photograph) or nearest "
    "(every generated pixel a sharp square).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="A .png file (--seed) or a folder (--seeds).",
)
@click.option(
    "--data",
    default=None,
    help="The training images: report each work's nearest training face (memorisation check).",
)
@click.option(
    "--max-identity-similarity",
    type=click.FloatRange(min=0, max=1),
    default=None,
    help="Refuse works more similar than this to a training face (1 - dlib descriptor distance; "
    "0.4 = dlib's same-person threshold 0.6). Needs --data.",
)
@click.option(
    "--c2pa-identity",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Sign each PNG with Content Credentials (C2PA) using this identity folder; the key's "
    "passphrase comes from --passphrase-env VAR or a hidden prompt.",
)
@click.option(
    "--gallery-url",
    default=None,
    metavar="URL",
    help="With --c2pa-identity: name the gallery that publishes the collection in the manifest,"
    " so `provenance verify FILE` alone finds it.",
)
@passphrase_env_option
@json_option
def generate(
    model: str,
    seed: int | None,
    seeds: str | None,
    truncation: float | None,
    upscale: int,
    upscale_filter: str,
    output: Path,
    data: str | None,
    max_identity_similarity: float | None,
    c2pa_identity: Path | None,
    gallery_url: str | None,
    passphrase_env: str | None,
    as_json: bool,
) -> None:
    """Generate artworks as PNGs carrying their generation record.

    With --data, each work's identity similarity to its nearest training face is reported; with
    --max-identity-similarity, near-copies of a real sitter are not written."""
    if (seed is None) == (seeds is None):
        raise InputError("give exactly one of --seed N or --seeds 1-100")
    if max_identity_similarity is not None and data is None:
        raise InputError("--max-identity-similarity needs --data (the training images)")
    if gallery_url is not None:
        if c2pa_identity is None:
            raise InputError(
                "--gallery-url is written into the Content Credentials: give --c2pa-identity"
            )
        from provenance.content.descriptor import descriptor_url

        descriptor_url(gallery_url)  # an http(s) URL, or one line and exit 2
    if data is not None and not data.startswith("builtin:") and not Path(data).is_dir():
        raise InputError(f"data folder not found: {data}")
    if seed is not None:
        if output.suffix.lower() != ".png":
            raise InputError(f"the artwork is a PNG: name the output .png, not {output.name!r}")
        if output.is_dir():
            raise InputError(f"{output} is a folder: give a .png file name (or use --seeds)")
        targets = [(seed, output)]
    else:
        assert seeds is not None
        if output.suffix.lower() == ".png" or output.is_file():
            raise InputError(f"with --seeds, -o is a folder (got {output})")
        targets = [(s, output / f"seed{s:06d}.png") for s in parse_seeds(seeds)]
    identity, passphrase = None, b""
    if c2pa_identity is not None:
        with gan_errors():
            from provenance.identity.certificates import load_identity, unlock_signing_key

            identity = load_identity(c2pa_identity)
            passphrase = read_passphrase(passphrase_env, confirm=False)
            unlock_signing_key(identity, passphrase)  # a wrong passphrase fails before any work
    records: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    with gan_errors():
        from gan.export import atomic_write_bytes
        from gan.pngrecord import make_record, png_bytes
        from gan.sample import generate as gen
        from gan.sample import upscale as enlarge

        enlargement = (upscale, UPSCALE_FILTER_NAMES[upscale_filter])

        loaded = load_model(model)
        exported = loaded.export
        cid = model_cid(exported.path, exported.sha256, exported.size)
        training_faces = None
        if data is not None:
            import platformdirs

            from gan.faces import cached_descriptors
            from gan.input_pipeline import load_dataset

            cfg = exported.config
            training_faces = cached_descriptors(
                load_dataset(data, cfg.resolution, align=cfg.align).images,
                Path(platformdirs.user_cache_dir("provenance")) / "faces",
            )
        for one_seed, path in targets:
            pixels = gen(loaded, one_seed, truncation=truncation)
            item: dict[str, Any] = {"output": str(path)}
            if training_faces is not None:
                from gan.faces import face_descriptors, nearest_training_face

                near = nearest_training_face(face_descriptors(pixels[None]), training_faces)
                distance = float(near.distances[0])
                item["identity"] = {
                    "nearest_training_image": int(near.nearest[0]),
                    "distance": round(distance, 4),
                    "similarity": round(1.0 - distance, 4),
                    "same_person": bool(len(near.flagged)),
                }
                if max_identity_similarity is not None and 1.0 - distance > max_identity_similarity:
                    refused.append({"seed": one_seed, **item["identity"]})
                    continue
            item["record"] = make_record(
                exported.sha256,
                one_seed,
                truncation=truncation,
                cid=cid,
                training=exported.training,
                upscale=enlargement,
            )
            encoded = png_bytes(enlarge(pixels, *enlargement), item["record"])
            if identity is not None:
                from provenance.identity.c2pa import sign_png

                encoded = sign_png(
                    encoded,
                    record=item["record"],
                    identity=identity,
                    passphrase=passphrase,
                    title=path.name,
                    gallery_url=gallery_url,
                )
            atomic_write_bytes(path, encoded)
            records.append(item)
    if seed is not None and refused:
        raise ProvenanceError(
            f"not written: seed {seed} is a near-copy of training image "
            f"{refused[0]['nearest_training_image']} (identity similarity "
            f"{refused[0]['similarity']:.3f} > {max_identity_similarity})"
        )
    if as_json:
        print_json(records[0] if seed is not None else {"outputs": records, "refused": refused})
        return
    for item in records:
        identity = item.get("identity")
        note = ""
        if identity is not None:
            note = f"  (identity similarity {identity['similarity']:.3f} to a training face"
            note += ": same person!)" if identity["same_person"] else ")"
        click.echo(item["output"] + note)
    for r in refused:
        click.echo(
            f"refused seed {r['seed']}: near-copy of training image {r['nearest_training_image']} "
            f"(identity similarity {r['similarity']:.3f})",
            err=True,
        )
