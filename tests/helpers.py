"""What several test modules share, written once: a loopback HTTP server in a thread, an image
file with one pixel changed (every other chunk kept), and what `verify --regenerate` says when a
work regenerates, the malleated twin of a signature."""

from __future__ import annotations

import io
import re
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import BaseServer

import numpy as np
from PIL import Image

__all__ = ["REGENERATED", "flip_one_pixel", "png_chunks", "serving"]

# The generation check's evidence for a reproduced work: exact, or within gan.regenerate's
# tolerance (the numpy generator may land a value one level from XLA's; docs/verify.md).
REGENERATED = re.compile(
    r"regenerated: (identical pixels|pixels within ([12]) levels? of the model's output "
    r"\(max abs diff \2, \d+\.\d\d% of values differ\))"
)


def serve_in_thread(server: BaseServer) -> threading.Thread:
    """Serve ``server`` from a daemon thread until its ``shutdown()`` (the caller's)."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@contextmanager
def serving(server: BaseServer) -> Iterator[str]:
    """Serve ``server`` (bound to a loopback port) from a thread; its base URL. Shut down, closed
    and joined on the way out."""
    thread = serve_in_thread(server)
    host, port = server.server_address[:2]  # type: ignore[misc]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, the whole chunk with length and CRC) for each chunk of a PNG."""
    pos, out = 8, []
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        out.append((data[pos + 4 : pos + 8], data[pos : pos + 12 + n]))
        pos += 12 + n
    return out


def flip_one_pixel(png: bytes) -> bytes:
    """The same PNG with one pixel changed: new image data, every other chunk (a C2PA manifest,
    the generation record) kept as it was."""
    pixels = np.array(Image.open(io.BytesIO(png)).convert("RGB"))
    pixels[3, 3, 0] ^= 1
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    idat = b"".join(c for t, c in png_chunks(buf.getvalue()) if t == b"IDAT")
    out, placed = png[:8], False
    for kind, chunk in png_chunks(png):
        if kind != b"IDAT":
            out += chunk
        elif not placed:
            out, placed = out + idat, True
    return out


def malleated(signature: str) -> str:
    """The other valid signature of the same key and digest: s -> N - s, v flipped (EIP-2)."""
    from provenance.chain.signing import SECP256K1_ORDER

    raw = bytes.fromhex(signature.removeprefix("0x"))
    s = SECP256K1_ORDER - int.from_bytes(raw[32:64], "big")
    return "0x" + (raw[:32] + s.to_bytes(32, "big") + bytes([55 - raw[64]])).hex()
