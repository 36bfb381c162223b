"""From the generator's floats to a work's pixels: rounding to uint8 and the display enlargement.

Free of JAX: the sampler (``gan.sample``) and the numpy regeneration (``gan.numpy_generator``)
both turn floats into pixels here, so a work regenerates through the same rounding and resize.
``upscale`` is the only place a work is enlarged for display: the record's ``upscale``
(``{"factor", "filter"}``) means exactly it.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

__all__ = ["MAX_UPSCALE", "UPSCALE_FILTERS", "to_uint8", "upscale"]

# The filters a work may be enlarged with, by the name its record carries: Lanczos reads as a
# soft photograph, nearest neighbour keeps every generated pixel as a sharp square.
UPSCALE_FILTERS = {
    "lanczos": Image.Resampling.LANCZOS,
    "nearest": Image.Resampling.NEAREST,
}
MAX_UPSCALE = 32


def to_uint8(images: np.ndarray) -> np.ndarray:
    return np.clip(np.rint((np.asarray(images) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def upscale(image: np.ndarray, factor: int, filter: str) -> np.ndarray:
    """(R, R, 3) uint8 -> (R * factor, R * factor, 3) uint8, resized with PIL's ``filter``."""
    if filter not in UPSCALE_FILTERS:
        raise ValueError(f"unknown upscale filter {filter!r} (known: {', '.join(UPSCALE_FILTERS)})")
    if not 1 <= factor <= MAX_UPSCALE:
        raise ValueError(f"upscale factor must be 1..{MAX_UPSCALE}, got {factor}")
    if factor == 1:
        return image
    height, width = image.shape[:2]
    resized = Image.fromarray(image).resize(
        (width * factor, height * factor), UPSCALE_FILTERS[filter]
    )
    return np.asarray(resized, dtype=np.uint8)
