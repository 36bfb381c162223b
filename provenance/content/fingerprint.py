"""Fingerprints of a work's pixels, recorded in its metadata so that copies can be named.

Two codes, both computed from the decoded image, never from its bytes:

- ``pixels_sha256`` (algorithm ``sha256-rgba8-v1``): sha256 of ``b"RGBA8"``, the width and the
  height as 4-byte big-endian integers, then every pixel as 8-bit R, G, B, A, row-major from the
  top-left corner, after the EXIF orientation is applied. A PNG re-saved by another encoder (a
  messenger app) keeps it; any changed pixel changes it.
- ``iscc`` (algorithm ``iscc-image-v0-64``): the ISCC Image-Code (ISO 24138, one of C2PA's
  soft-binding algorithms) of 64 bits, as ``iscc_core.gen_image_code_v0`` computes it (by the
  toolkit's own port, content/iscc_image.py, tested against iscc-core): the image, its EXIF
  orientation applied, composited onto white, converted to 8-bit grey (ITU-R 601-2 luma), resized
  to 32x32 (bicubic), then the DCT-based perceptual hash of ISO 24138. Resized, re-encoded (JPEG)
  or lightly cropped copies stay within a few bits of the original.

Two ISCC codes are compared by their Hamming distance (0 to 64 bits differing);
``NEAR_DISTANCE`` is the largest distance named "looks like" (docs/verify.md shows the
measurements behind it).
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provenance.content.iscc_image import image_code_v0_64, image_codes_v0_64
from provenance.errors import InputError

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "ISCC_ALGORITHM",
    "NEAR_DISTANCE",
    "PIXELS_ALGORITHM",
    "Fingerprint",
    "PreparedFingerprint",
    "fingerprint_of_bytes",
    "fingerprint_of_image",
    "fingerprints_of",
    "iscc_bits",
    "parse_fingerprint",
    "prepare_fingerprint",
]

PIXELS_ALGORITHM = "sha256-rgba8-v1"
ISCC_ALGORITHM = "iscc-image-v0-64"
#: At most this many of the 64 bits may differ for "looks like token X". Measured on 40 of
#: scikit-image's LFW faces (scripts/measure_copy_distances.py, docs/verify.md): 4x upscaled JPEG
#: and half-size copies differ by at most 2 bits, copies cropped by 2.5% on each side by 6 (median,
#: 33 of 40 within 8); two different faces by 12 at the least (1st percentile 16, median 26).
NEAR_DISTANCE = 8
_ISCC = re.compile(r"ISCC:[A-Z2-7]{16}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Fingerprint:
    pixels_sha256: str
    iscc: str

    def record(self) -> dict[str, str]:
        """The ``provenance.fingerprint`` object of the metadata."""
        return {
            "algorithms": f"{PIXELS_ALGORITHM} {ISCC_ALGORITHM}",
            "iscc": self.iscc,
            "pixels_sha256": self.pixels_sha256,
        }


@dataclass(frozen=True)
class PreparedFingerprint:
    """What a fingerprint is computed from, taken from one decode: the pixels' sha256 and the
    32x32 grey image whose ISCC code is the other half (:func:`fingerprints_of` codes many at
    once)."""

    pixels_sha256: str
    grey32: bytes


def prepare_fingerprint(image: Image.Image) -> PreparedFingerprint:
    """The per-image part of :func:`fingerprint_of_image` (see the module docstring)."""
    from PIL import Image as PILImage
    from PIL import ImageOps

    oriented = ImageOps.exif_transpose(image) or image
    rgba = oriented.convert("RGBA")
    header = b"RGBA8" + struct.pack(">II", rgba.width, rgba.height)
    pixels_sha256 = hashlib.sha256(header + rgba.tobytes()).hexdigest()
    white = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
    grey = PILImage.alpha_composite(white, rgba).convert("L")
    small = grey.resize((32, 32), PILImage.Resampling.BICUBIC)
    return PreparedFingerprint(pixels_sha256=pixels_sha256, grey32=small.tobytes())


def fingerprints_of(prepared: Sequence[PreparedFingerprint]) -> list[Fingerprint]:
    """The fingerprints of prepared images, their ISCC codes computed together."""
    codes = image_codes_v0_64([item.grey32 for item in prepared])
    return [
        Fingerprint(pixels_sha256=item.pixels_sha256, iscc=code)
        for item, code in zip(prepared, codes, strict=True)
    ]


def fingerprint_of_image(image: Image.Image) -> Fingerprint:
    """Both codes of a decoded image (Pillow): see the module docstring for the definitions."""
    prepared = prepare_fingerprint(image)
    return Fingerprint(pixels_sha256=prepared.pixels_sha256, iscc=image_code_v0_64(prepared.grey32))


def fingerprint_of_bytes(data: bytes, *, what: str) -> Fingerprint:
    """The fingerprint of an image file's bytes (already size-checked by the caller)."""
    import warnings

    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data)) as image:
                image.load()
                return fingerprint_of_image(image)
    except (
        UnidentifiedImageError,
        PILImage.DecompressionBombError,
        PILImage.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise InputError(
            f"{what} is not an image Pillow can decode ({type(exc).__name__})"
        ) from exc


def iscc_bits(code: str) -> int:
    """The 64-bit hash of an ISCC Image-Code, as an integer (XOR and popcount give distances)."""
    import base64

    body = code.removeprefix("ISCC:")
    raw = base64.b32decode(body + "=" * (-len(body) % 8))
    return int.from_bytes(raw[2:10], "big")  # 2 header bytes, then the 64-bit body


def parse_fingerprint(value: Any) -> Fingerprint | None:
    """The metadata's ``provenance.fingerprint`` (untrusted), or None when absent or malformed."""
    if not isinstance(value, dict):
        return None
    pixels, iscc = value.get("pixels_sha256"), value.get("iscc")
    if not isinstance(pixels, str) or not _SHA256_HEX.fullmatch(pixels):
        return None
    if not isinstance(iscc, str) or not _ISCC.fullmatch(iscc):
        return None
    return Fingerprint(pixels_sha256=pixels, iscc=iscc)
