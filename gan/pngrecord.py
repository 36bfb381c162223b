"""The PNG generation record: an iTXt chunk with keyword ``provenance`` holding RFC 8785 canonical
JSON ``{"model": {"sha256", "cid"?}, "seed", "truncation"?, "upscale"?: {"factor", "filter"},
"code": "gan <version>", "training"?: {"source", "cid"?, "cid_profile"?, "images", "skipped",
"preprocessing"}}``.

``training`` (what the model learned from, copied from the export, see
``gan.input_pipeline.training_record``) is new and optional: records written before it still
read, and regeneration compares only model, seed, truncation and upscale with the pixels.
``upscale`` (optional) says the generated image was enlarged ``factor`` times with ``filter``
(``lanczos`` or ``nearest``, see ``gan.sample.upscale``) before it was written.

``gan`` never imports ``provenance``: the toolkit reads records with its own hardened parser
(``provenance.content.generation``, which must not need numpy), this module with
:func:`parse_record`; both apply the same rules (bounded size, ``model.sha256``, an integer
``seed``, a ``code`` string), and ``tests/gan/test_gan_record_rules.py`` checks they agree.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import rfc8785
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from gan import __version__
from gan.errors import GanError

__all__ = [
    "KEYWORD",
    "canonical",
    "make_record",
    "parse_record",
    "png_bytes",
    "read_record",
    "write_png",
]

KEYWORD = "provenance"
MAX_RECORD_BYTES = 64 * 1024  # the GAN writes well under 1 KB
# What ``gan.sample.upscale`` does (importing it here would load jax just to read a record).
UPSCALE_FILTER_NAMES = ("lanczos", "nearest")
MAX_UPSCALE_FACTOR = 32


def parse_record(text: str) -> dict[str, Any]:
    """The record from the chunk's text; ``GanError`` when it is not one the GAN wrote."""
    if len(text) > MAX_RECORD_BYTES:
        raise GanError(f"the PNG's provenance chunk is over {MAX_RECORD_BYTES} bytes")
    try:
        record = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise GanError("the PNG's provenance chunk is not JSON") from exc
    model = record.get("model") if isinstance(record, dict) else None
    if not isinstance(model, dict) or not isinstance(model.get("sha256"), str):
        raise GanError("the PNG's provenance chunk lacks model.sha256")
    if not isinstance(record.get("seed"), int) or not isinstance(record.get("code"), str):
        raise GanError("the PNG's provenance chunk lacks an integer seed or the code version")
    upscale = record.get("upscale")
    if upscale is not None and not (
        isinstance(upscale, dict)
        and isinstance(upscale.get("factor"), int)
        and not isinstance(upscale.get("factor"), bool)
        and 2 <= upscale["factor"] <= MAX_UPSCALE_FACTOR
        and upscale.get("filter") in UPSCALE_FILTER_NAMES
    ):
        raise GanError("the PNG's provenance chunk has a malformed upscale")
    return dict(record)


def make_record(
    model_sha256: str,
    seed: int,
    *,
    truncation: float | None = None,
    cid: str | None = None,
    training: dict[str, Any] | None = None,
    upscale: tuple[int, str] | None = None,
) -> dict[str, Any]:
    model: dict[str, Any] = {"sha256": model_sha256}
    if cid is not None:
        model["cid"] = cid
    record: dict[str, Any] = {"model": model, "seed": int(seed), "code": f"gan {__version__}"}
    if truncation is not None:
        record["truncation"] = float(truncation)
    if upscale is not None and upscale[0] != 1:
        record["upscale"] = {"factor": int(upscale[0]), "filter": upscale[1]}
    if training is not None:
        record["training"] = training
    return record


def canonical(record: dict[str, Any]) -> bytes:
    return rfc8785.dumps(record)


def png_bytes(pixels: np.ndarray, record: dict[str, Any] | None) -> bytes:
    """Encode uint8 HxWx3 pixels as PNG, with the record as an (uncompressed) iTXt chunk."""
    info = PngImagePlugin.PngInfo()
    if record is not None:
        info.add_itxt(KEYWORD, canonical(record).decode("utf-8"))
    buf = io.BytesIO()
    Image.fromarray(np.asarray(pixels, dtype=np.uint8), mode="RGB").save(
        buf, format="PNG", pnginfo=info
    )
    return buf.getvalue()


def write_png(pixels: np.ndarray, path: Path, record: dict[str, Any] | None) -> None:
    from gan.export import atomic_write_bytes

    atomic_write_bytes(Path(path), png_bytes(pixels, record))


def read_record(path: Path) -> tuple[dict[str, Any], np.ndarray]:
    """The generation record and the RGB pixels of a PNG written by ``write_png``."""
    try:
        with Image.open(path) as img:
            img.load()
            if img.format != "PNG":
                raise GanError(f"{path} is not a PNG")
            text = img.text.get(KEYWORD)  # type: ignore[attr-defined]
            pixels = np.asarray(img.convert("RGB"))
    except (OSError, UnidentifiedImageError) as exc:
        raise GanError(f"cannot read {path} as an image: {exc}") from exc
    if text is None:
        raise GanError(f"{path} has no '{KEYWORD}' generation record")
    try:
        record = parse_record(text)
    except GanError as exc:
        raise GanError(f"{path}: {exc}") from exc
    return record, pixels
