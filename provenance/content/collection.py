"""The collection's ERC-7572 contract-level metadata: its name, the artist's statement, a cover.

``contractURI()`` returns ``ipfs://CID`` of a JSON document (ERC-7572 fields: ``name``,
``description``, ``image``, ``external_link``; and the exhibition's own: ``artist``, the gallery's
public address ``gallery_url`` that QR codes and links point to, and ``rendering``, how small works
are enlarged: ``pixelated`` or ``smooth``); the toolkit writes it canonically (RFC 8785) so that
the same choices give the same CID, and reads it back as untrusted text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from provenance.content.metadata import MAX_METADATA_BYTES, MAX_METADATA_DEPTH, canonical_json
from provenance.errors import InputError, VerificationError
from provenance.untrusted import UntrustedDataError, load_json

__all__ = [
    "RENDERINGS",
    "CollectionInfo",
    "build_contract_metadata",
    "parse_contract_metadata",
    "parse_public_url",
]

MAX_NAME = 200
MAX_DESCRIPTION = 10_000
MAX_URL = 2000
# How a small GAN work is enlarged on a page and on the screen (CSS image-rendering): pixel-sharp
# blocks, or a smooth upscale that reads as a soft photograph.
RENDERINGS = ("pixelated", "smooth")


@dataclass(frozen=True)
class CollectionInfo:
    name: str
    description: str
    image_cid: str | None
    external_link: str | None
    artist: str | None = None
    gallery_url: str | None = None
    rendering: str = "pixelated"


def parse_public_url(url: str) -> str:
    """The gallery's public address as given by the artist (http or https, no credentials, query or
    fragment), normalised to end with "/"; ``InputError`` otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"the public URL must be an http(s) URL with a host, got {url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InputError(
            "the public URL is printed in every QR code: give it without credentials, query or"
            " fragment"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise InputError(f"the public URL has a bad port: {url!r}") from None
    if len(url) > MAX_URL or any(ord(ch) <= 32 for ch in url.strip()):
        raise InputError("the public URL is too long or contains spaces or control characters")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _clean(text: str, what: str, limit: int) -> str:
    text = text.strip()
    if len(text) > limit:
        raise InputError(f"the {what} is {len(text)} characters; the limit is {limit}")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise InputError(f"the {what} contains control characters")
    return text


def build_contract_metadata(
    *,
    name: str,
    description: str,
    image_cid: str,
    external_link: str | None,
    artist: str | None = None,
    gallery_url: str | None = None,
    rendering: str = "pixelated",
) -> bytes:
    name = _clean(name, "name", MAX_NAME)
    if not name:
        raise InputError("the collection needs a name")
    doc: dict[str, Any] = {
        "name": name,
        "description": _clean(description, "description", MAX_DESCRIPTION),
        "image": f"ipfs://{image_cid}",
    }
    if external_link:
        if not external_link.startswith(("https://", "http://", "ipfs://")):
            raise InputError("the external link must be an https://, http:// or ipfs:// URL")
        doc["external_link"] = external_link
    if artist is not None and _clean(artist, "artist's name", MAX_NAME):
        doc["artist"] = _clean(artist, "artist's name", MAX_NAME)
    if gallery_url:
        doc["gallery_url"] = parse_public_url(gallery_url)
    if rendering not in RENDERINGS:
        raise InputError(f"the rendering is one of {', '.join(RENDERINGS)}, got {rendering!r}")
    if rendering != "pixelated":
        doc["rendering"] = rendering
    encoded = canonical_json(doc)
    if len(encoded) > MAX_METADATA_BYTES:
        raise InputError("the collection's metadata is larger than one IPFS chunk")
    return encoded


def parse_contract_metadata(data: bytes) -> CollectionInfo:
    """Read contract-level JSON from anyone's contract: only strings of sane length are kept."""
    try:  # bounded: a deeply nested document is refused before anything parses it
        doc = load_json(
            data,
            max_bytes=MAX_METADATA_BYTES,
            max_depth=MAX_METADATA_DEPTH,
            what="the collection's document (contractURI)",
        )
    except UntrustedDataError as exc:
        raise VerificationError(str(exc), check="collection") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
        raise VerificationError("contract metadata has no name", check="collection")

    def text(key: str, limit: int) -> str:
        value = doc.get(key)
        return value[:limit] if isinstance(value, str) else ""

    image = text("image", 200)
    link = text("external_link", MAX_URL)
    try:
        gallery_url: str | None = parse_public_url(text("gallery_url", MAX_URL))
    except InputError:
        gallery_url = None
    rendering = text("rendering", 20)
    return CollectionInfo(
        name=text("name", MAX_NAME).strip() or "Untitled collection",
        description=text("description", MAX_DESCRIPTION),
        image_cid=image.removeprefix("ipfs://") if image.startswith("ipfs://") else None,
        external_link=link if link.startswith(("https://", "http://")) else None,
        artist=" ".join(text("artist", MAX_NAME).split()) or None,
        gallery_url=gallery_url,
        rendering=rendering if rendering in RENDERINGS else "pixelated",
    )
