"""The live portrait: the element a work page carries, and the files it needs.

The page carries only the generation record's values (model CID and sha256, seed, truncation); the
browser fetches the ONNX model from IPFS, hashes it before running it, draws the seed's latent
with a JavaScript port of JAX's PRNG (js/live/jax-random.js) and runs the model with
onnxruntime-web (js/live/, bundled into static/live-portrait.js). No jax is needed to render a page.

The ONNX file is not the msgpack model that ``gan generate`` hashes: ``provenance gan export-onnx``
derives it (reproducibly), and the generation record names it beside the model as
``"onnx": {"cid", "sha256"}``. A record without it gets no live portrait.

onnxruntime-web's JavaScript is bundled into static/live-portrait.js and static/screen.js by
``scripts/build-gallery-js``, which also copies its WebAssembly binary into the package
(static/ort/, pinned in package.json), so an installed package, a wheel included, carries every file
the gallery serves; never a CDN. A package without the binary (a checkout before
``scripts/setup``) gets no live portrait, and ``gallery serve``/``build`` say so in a line.
"""

from __future__ import annotations

import re
from html import escape
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

__all__ = [
    "LIVE_SCRIPT_SRC",
    "ORT_VERSION",
    "ORT_WASM",
    "live_portrait_for",
    "live_portrait_html",
    "live_static_files",
    "ort_dist_dir",
]

ORT_VERSION = "1.30.0"
# The WebAssembly build onnxruntime-web's bundled JavaScript loads (SIMD; threads only when the
# page is cross-origin isolated). Its JavaScript is in the bundles, so this binary is the one file.
ORT_WASM = "ort-wasm-simd-threaded.wasm"
# What a page with a live portrait needs in its CSP's script-src: compiling WebAssembly is
# blocked by script-src 'self' alone; 'wasm-unsafe-eval' allows exactly that and no eval().
LIVE_SCRIPT_SRC = "'self' 'wasm-unsafe-eval'"

_CID = re.compile(r"^[A-Za-z0-9]{20,120}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def ort_dist_dir() -> Traversable | None:
    """The package's copy of onnxruntime-web's WebAssembly (static/ort/), or None when this
    installation lacks it (a checkout before ``scripts/setup``)."""
    folder = files("provenance.gallery") / "static" / "ort"
    return folder if (folder / ORT_WASM).is_file() else None


def live_static_files() -> dict[str, bytes]:
    """The site files a live portrait needs (the screen's generator too), by path relative to the site root;
    empty when the package lacks onnxruntime-web's binary."""
    dist = ort_dist_dir()
    if dist is None:
        return {}
    static = files("provenance.gallery") / "static"
    return {
        "static/live-portrait.js": (static / "live-portrait.js").read_bytes(),
        f"static/ort/{ORT_WASM}": (dist / ORT_WASM).read_bytes(),
    }


def live_portrait_html(
    *,
    model_cid: str,
    model_sha256: str,
    seed: int,
    truncation: float | None = None,
    title: str,
    root: str,
) -> str:
    """The live portrait element and its module script (``root``: the path to the site root)."""
    if not _CID.match(model_cid) or not _SHA256.match(model_sha256):
        raise ValueError("a live portrait needs a model CID and a lowercase hex sha256")
    if not 0 <= int(seed) < 2**64:
        raise ValueError("seed out of range")
    extra = f' data-truncation="{float(truncation)!r}"' if truncation is not None else ""
    return (
        f'<figure class="live-portrait" data-live-portrait data-state="pending"'
        f' data-model-cid="{escape(model_cid)}" data-model-sha256="{escape(model_sha256)}"'
        f' data-seed="{int(seed)}"{extra}>'
        f'<canvas role="img" aria-label="{escape(title)}: live rendering by the generator"></canvas>'
        "<figcaption><strong>Live rendering</strong>: the collection's generator running in your"
        " browser, walking through this work's seed. It is not bit-identical to the minted image,"
        " which stays the record. <span data-live-status>Waiting for the model…</span>"
        "</figcaption></figure>"
        f'<script type="module" src="{escape(root)}static/live-portrait.js"></script>'
    )


def live_portrait_for(generator: dict[str, Any] | None, *, title: str, root: str) -> str:
    """The live portrait for a work's generation record, or "" when it names no ONNX model or
    onnxruntime-web is not installed."""
    if not generator or ort_dist_dir() is None:
        return ""
    onnx = generator.get("onnx")
    seed = generator.get("seed")
    truncation = generator.get("truncation")
    if not isinstance(onnx, dict) or not isinstance(seed, int) or isinstance(seed, bool):
        return ""
    if truncation is not None and not isinstance(truncation, (int, float)):
        return ""
    try:
        return live_portrait_html(
            model_cid=str(onnx.get("cid", "")),
            model_sha256=str(onnx.get("sha256", "")),
            seed=seed,
            truncation=truncation,
            title=title,
            root=root,
        )
    except ValueError:
        return ""
