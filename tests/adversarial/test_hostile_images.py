"""Issue 12 items 3 and 8 (library part): ``verify`` decoded any image a token pointed at (a
20000x20000 PNG exited 70; a 656 KB 13000x13000 RGBA PNG took 716 MB) and never compared the
declared mime type and size with the image. ``inspect_image`` reads the header first."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib

import pytest
from PIL import Image

from provenance.untrusted import (
    MAX_IMAGE_PIXELS,
    ImageFacts,
    UntrustedDataError,
    image_mismatches,
    inspect_image,
)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int, *, color_type: int = 6) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (8-bit, RGBA by default) and whose one
    IDAT holds the start of a zlib stream of zero rows: tiny on disk, huge once decoded."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    idat = zlib.compressobj().compress(b"\x00" * 65536)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def _encoded(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 90)).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(("width", "height"), [(20_000, 20_000), (13_000, 13_000)])
def test_a_decompression_bomb_is_refused_from_its_header(width: int, height: int) -> None:
    bomb = png_header_only(width, height)
    assert len(bomb) < 100_000
    expected = (
        f"token 3.s image (is {width}x{height} pixels|has {width * height} pixels), more than"
    )
    with pytest.raises(UntrustedDataError, match=f"{expected} the 89478485 allowed"):
        inspect_image(bomb, what="token 3's image")


def test_refusing_a_bomb_takes_no_memory_to_speak_of() -> None:
    # In a fresh interpreter: its peak resident size (VmHWM, which starts afresh at exec, unlike
    # ru_maxrss) stays far below the 676 MB of the pixels.
    program = (
        "from pathlib import Path\n"
        "from tests.adversarial.test_hostile_images import png_header_only\n"
        "from provenance.untrusted import UntrustedDataError, inspect_image\n"
        "try:\n"
        "    inspect_image(png_header_only(13000, 13000))\n"
        "except UntrustedDataError:\n"
        "    status = Path('/proc/self/status').read_text().splitlines()\n"
        "    print(next(line.split()[1] for line in status if line.startswith('VmHWM:')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True
    )
    assert int(result.stdout) < 200_000  # KiB


@pytest.mark.parametrize(
    ("fmt", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_honest_images_are_described(fmt: str, mime: str) -> None:
    assert inspect_image(_encoded(fmt)) == ImageFacts(mime, 64, 48)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not an image", "is not an image"),
        (_encoded("GIF"), "is GIF, not PNG, JPEG or WebP"),
        (_encoded("PNG", (300, 300))[:400], "is not a valid image"),  # truncated
    ],
)
def test_what_is_not_an_artwork_is_one_error(data: bytes, message: str) -> None:
    with pytest.raises(UntrustedDataError, match=message):
        inspect_image(data)


def test_a_jpeg_declared_as_a_big_png_is_named_field_by_field() -> None:
    facts = inspect_image(_encoded("JPEG"))
    declared = {"mime": "image/png", "width": 4096, "height": 4096}
    assert image_mismatches(facts, declared) == [
        "mime: declared 'image/png', the image has image/jpeg",
        "width: declared 4096, the image has 64",
        "height: declared 4096, the image has 48",
    ]
    assert image_mismatches(facts, {"mime": "image/jpeg", "width": 64, "height": 48}) == []
    assert image_mismatches(facts, {"mime": "image/jpeg", "width": 64.0, "height": True}) == [
        "width: declared 64.0, the image has 64",
        "height: declared True, the image has 48",
    ]
    assert image_mismatches(facts, {"mime": "image/jpeg\x1b[2J"})[0].startswith(
        "mime: declared 'image/jpeg\\x1b[2J'"
    )
    assert MAX_IMAGE_PIXELS == Image.MAX_IMAGE_PIXELS  # what mint's check uses
