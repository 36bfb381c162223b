"""The GAN's generation record, read from a PNG's iTXt chunk with keyword ``provenance``.

The GAN writes ``{"model": {"sha256", "cid"?}, "seed", "truncation"?, "upscale"?, "code"}`` as
canonical JSON; ``upscale`` (``{"factor": 2..32, "filter": "lanczos" | "nearest"}``) says the
generated pixels were enlarged for display before they were written (``gan.sample.upscale``).
The toolkit only reads it (it does not need the GAN to mint); ``verify --regenerate`` asks the GAN
to reproduce the pixels (:func:`regenerate_check`).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image

from provenance.errors import InputError
from provenance.untrusted import load_json

__all__ = [
    "KEYWORD",
    "model_cid",
    "parse_generation_record",
    "read_generation_record",
    "regenerate_check",
]

KEYWORD = "provenance"
# The GAN's record is under 1 KB nesting 2 levels; the bounds refuse a hostile chunk first.
MAX_RECORD_BYTES = 64 * 1024
MAX_RECORD_DEPTH = 8
# The enlargements gan.sample.upscale knows (a test keeps the two lists equal).
UPSCALE_FILTERS = ("lanczos", "nearest")
MAX_UPSCALE = 32


def parse_generation_record(text: str) -> dict[str, Any]:
    """The record from the chunk's text; the one set of rules the toolkit and the GAN both apply."""
    record = load_json(
        text.encode("utf-8", errors="surrogatepass"),
        max_bytes=MAX_RECORD_BYTES,
        max_depth=MAX_RECORD_DEPTH,
        what="the PNG's provenance chunk",
        error=InputError,
    )
    model = record.get("model") if isinstance(record, dict) else None
    if not isinstance(model, dict) or not isinstance(model.get("sha256"), str):
        raise InputError("the PNG's provenance chunk lacks model.sha256")
    if not isinstance(record.get("seed"), int) or not isinstance(record.get("code"), str):
        raise InputError("the PNG's provenance chunk lacks an integer seed or the code version")
    upscale = record.get("upscale")
    if upscale is not None and not (
        isinstance(upscale, dict)
        and isinstance(upscale.get("factor"), int)
        and not isinstance(upscale.get("factor"), bool)
        and 2 <= upscale["factor"] <= MAX_UPSCALE
        and upscale.get("filter") in UPSCALE_FILTERS
    ):
        raise InputError(
            "the PNG's provenance chunk has a malformed upscale (expected factor 2.."
            f"{MAX_UPSCALE} and filter {' or '.join(UPSCALE_FILTERS)})"
        )
    return dict(record)


def read_generation_record(image: Image.Image) -> dict[str, Any] | None:
    """The record in an opened PNG, or None when it has none. Malformed records are errors."""
    if image.format != "PNG":
        return None
    text = getattr(image, "text", {}) or {}
    raw = text.get(KEYWORD)
    if raw is None:
        return None
    return parse_generation_record(raw)


def regenerate_check(image_bytes: bytes, model: Path) -> tuple[bool | None, str]:
    """``verify --regenerate``: reproduce the pixels from the generation record with the model
    (its sha256 must be the one the record names); (reproduced, evidence). The evidence says what
    was checked: "identical pixels", or how close ("pixels within 1 level of the model's output
    (...)", the tolerance of ``gan.regenerate``) or how far. ``None``: no verdict either way — the
    model given cannot be read, or is not the model the record names (another file proves
    nothing about the work).

    The only place the toolkit reaches into ``gan``: its numpy generator, imported on demand (no
    JAX, no Flax, no ``gan`` extra).
    """
    if not model.exists():
        raise InputError(f"model not found: {model}")
    if "numpy" not in sys.modules:
        # One image is a handful of small matrix products: OpenBLAS's thread pool costs more than
        # it saves (0.2-0.4 s of starting and waking threads on a busy 2-core machine, measured),
        # so this process loads numpy single-threaded unless the user chose otherwise.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from gan.errors import GanError, ModelFileError
    from gan.regenerate import regenerate_and_compare

    with tempfile.NamedTemporaryFile(suffix=".png") as handle:
        handle.write(image_bytes)
        handle.flush()
        try:
            result = regenerate_and_compare(handle.name, model)
        except ModelFileError as exc:
            return None, f"could not check: cannot use the model: {exc}"
        except GanError as exc:
            return False, f"cannot regenerate: {exc}"
    named = result.record.get("model")
    recorded = named.get("sha256") if isinstance(named, dict) else None
    if recorded != result.model_sha256:
        return None, (
            f"could not check: the model given is not the one the record names "
            f"(record: sha256 {str(recorded)[:16]}..., file: sha256 {result.model_sha256[:16]}...)"
        )
    return result.match, result.evidence


def model_cid(path: Path, sha256_hex: str, size: int) -> str:
    """The model file's CID under :data:`~provenance.content.metadata.CONTENT_PROFILE`, as
    ``ipfs add`` gives it: a raw block up to 1 MiB (its CID follows from the sha256 alone), a
    balanced UnixFS DAG above."""
    if size <= 1 << 20:
        from provenance.ipfs.cid import raw_cid_for_sha256

        return raw_cid_for_sha256(bytes.fromhex(sha256_hex))
    from provenance.content.metadata import CONTENT_PROFILE
    from provenance.ipfs import add_file

    return str(add_file(path, params=CONTENT_PROFILE).cid)
