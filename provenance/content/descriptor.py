"""The collection descriptor a gallery publishes at ``<gallery>/provenance.json``.

It tells a verifier on any machine which collection the gallery shows and where to check it:
chain id, contract, a public read-only RPC URL, IPFS gateways, the gallery's own URL, the artist's
Content Credentials trust anchors (PEM) and where the copy index is. ``gallery serve`` and
``gallery build`` write it; ``verify --gallery URL`` reads it as untrusted input (bounded size and
depth, every field validated) and then checks everything against the chain itself. URLs in it may
be relative: they are resolved against the descriptor's own URL. Format: docs/verify.md. The
format only: ``workflows/session.py`` fetches it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from provenance.errors import InputError

__all__ = [
    "COPIES_FILE",
    "DESCRIPTOR_FILE",
    "Descriptor",
    "build_descriptor",
    "descriptor_url",
    "parse_descriptor",
]

DESCRIPTOR_FILE = "provenance.json"
COPIES_FILE = "copies.json"
FORMAT = "provenance-collection"
VERSION = 1
MAX_DESCRIPTOR_BYTES = 256 * 1024
_MAX_DEPTH = 4
_MAX_ANCHORS = 8
_MAX_GATEWAYS = 8
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_PEM = re.compile(
    r"(-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?)+"
)


@dataclass(frozen=True)
class Descriptor:
    """A parsed descriptor, every URL absolute. ``url``: where it was read."""

    url: str
    chain_id: int
    contract: str
    rpc_url: str
    gateways: tuple[str, ...]
    gallery_url: str
    trust_anchors: tuple[str, ...]
    copies_url: str | None
    from_block: int


def build_descriptor(
    *,
    chain_id: int,
    contract: str,
    rpc_url: str,
    gateways: list[str],
    gallery_url: str,
    trust_anchors: list[str],
    from_block: int = 0,
) -> bytes:
    """The descriptor's bytes (URLs may be relative to the descriptor itself)."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "chain_id": chain_id,
        "contract": contract,
        "from_block": from_block,
        "rpc_url": rpc_url,
        "gateways": gateways,
        "gallery_url": gallery_url,
        "trust_anchors": trust_anchors,
        "copies": COPIES_FILE,
    }
    return (json.dumps(document, indent=1) + "\n").encode()


def descriptor_url(gallery: str) -> str:
    """The descriptor's URL for what a user typed: the gallery's URL, or the descriptor's own."""
    parts = urlsplit(gallery)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"--gallery must be an http(s) URL, got {gallery!r}")
    if parts.path.endswith(".json"):
        return gallery
    return urljoin(gallery if gallery.endswith("/") else gallery + "/", DESCRIPTOR_FILE)


def _url(value: Any, base: str, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 2048:
        raise InputError(f"{base}: {what} is not a URL")
    resolved = urljoin(base, value)
    parts = urlsplit(resolved)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{base}: {what} is not an http(s) URL")
    return resolved


def parse_descriptor(data: bytes, *, url: str) -> Descriptor:
    """Validate untrusted descriptor bytes read from ``url``; InputError naming the first fault."""
    from provenance.untrusted import load_json

    document = load_json(
        data, max_bytes=MAX_DESCRIPTOR_BYTES, max_depth=_MAX_DEPTH, what=url, error=InputError
    )
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(f"{url} is not a provenance collection descriptor")
    if document.get("version") != VERSION:
        raise InputError(f"{url}: descriptor version {document.get('version')!r} is not {VERSION}")
    chain_id, block = document.get("chain_id"), document.get("from_block", 0)
    if isinstance(chain_id, bool) or not isinstance(chain_id, int) or not 0 < chain_id < 2**53:
        raise InputError(f"{url}: chain_id is not a chain id")
    if isinstance(block, bool) or not isinstance(block, int) or not 0 <= block < 2**53:
        raise InputError(f"{url}: from_block is not a block number")
    contract = document.get("contract")
    if not isinstance(contract, str) or not _ADDRESS.fullmatch(contract):
        raise InputError(f"{url}: contract is not a 0x address")
    gateways = document.get("gateways")
    if not isinstance(gateways, list) or not 0 < len(gateways) <= _MAX_GATEWAYS:
        raise InputError(f"{url}: gateways is not a list of 1 to {_MAX_GATEWAYS} URLs")
    anchors = document.get("trust_anchors", [])
    if not isinstance(anchors, list) or len(anchors) > _MAX_ANCHORS:
        raise InputError(f"{url}: trust_anchors is not a list of PEM certificates")
    for anchor in anchors:
        if not isinstance(anchor, str) or not _PEM.fullmatch(anchor):
            raise InputError(f"{url}: a trust anchor is not PEM certificates")
    copies = document.get("copies")
    return Descriptor(
        url=url,
        chain_id=chain_id,
        contract=contract,
        rpc_url=_url(document.get("rpc_url"), url, "rpc_url"),
        gateways=tuple(_url(g, url, "a gateway") for g in gateways),
        gallery_url=_url(document.get("gallery_url", "./"), url, "gallery_url"),
        trust_anchors=tuple(anchors),
        copies_url=None if copies is None else _url(copies, url, "copies"),
        from_block=block,
    )
