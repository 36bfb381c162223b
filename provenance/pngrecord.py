"""The GAN's generation record, read from a PNG's iTXt chunk with keyword ``provenance``.

The GAN writes ``{"model": {"sha256", "cid"?}, "seed", "truncation"?, "code"}`` as canonical JSON.
The toolkit only reads it (it does not need the GAN to mint); ``verify --regenerate`` asks the GAN
to reproduce the pixels.
"""

from __future__ import annotations

import json
from typing import Any

from PIL import Image

from provenance.errors import InputError

__all__ = ["KEYWORD", "read_generation_record"]

KEYWORD = "provenance"


def read_generation_record(image: Image.Image) -> dict[str, Any] | None:
    """The record in an opened PNG, or None when it has none. Malformed records are errors."""
    if image.format != "PNG":
        return None
    text = getattr(image, "text", {}) or {}
    raw = text.get(KEYWORD)
    if raw is None:
        return None
    try:
        record = json.loads(raw)
    except ValueError as exc:
        raise InputError("the PNG's provenance chunk is not JSON") from exc
    model = record.get("model") if isinstance(record, dict) else None
    if not isinstance(model, dict) or not isinstance(model.get("sha256"), str):
        raise InputError("the PNG's provenance chunk lacks model.sha256")
    if not isinstance(record.get("seed"), int) or not isinstance(record.get("code"), str):
        raise InputError("the PNG's provenance chunk lacks an integer seed or the code version")
    return dict(record)
