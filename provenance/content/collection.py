"""The collection's ERC-7572 contract-level metadata: its name, the artist's statement, a cover.

``contractURI()`` returns ``ipfs://CID`` of a JSON document (ERC-7572 fields: ``name``,
``description``, ``image``, ``external_link``); the toolkit writes it canonically (RFC 8785) so
that the same choices give the same CID, and reads it back as untrusted text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provenance.content.metadata import MAX_METADATA_BYTES, MAX_METADATA_DEPTH, canonical_json
from provenance.errors import InputError, VerificationError
from provenance.untrusted import UntrustedDataError, load_json

__all__ = ["CollectionInfo", "build_contract_metadata", "parse_contract_metadata"]

MAX_NAME = 200
MAX_DESCRIPTION = 10_000


@dataclass(frozen=True)
class CollectionInfo:
    name: str
    description: str
    image_cid: str | None
    external_link: str | None


def _clean(text: str, what: str, limit: int) -> str:
    text = text.strip()
    if len(text) > limit:
        raise InputError(f"the {what} is {len(text)} characters; the limit is {limit}")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise InputError(f"the {what} contains control characters")
    return text


def build_contract_metadata(
    *, name: str, description: str, image_cid: str, external_link: str | None
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
    link = text("external_link", 2000)
    return CollectionInfo(
        name=text("name", MAX_NAME).strip() or "Untitled collection",
        description=text("description", MAX_DESCRIPTION),
        image_cid=image.removeprefix("ipfs://") if image.startswith("ipfs://") else None,
        external_link=link if link.startswith(("https://", "http://")) else None,
    )
