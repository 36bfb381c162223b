"""ERC-721 token metadata with the provenance record, serialized canonically (RFC 8785).

The metadata's sha256 is what the contract stores; its ``ipfs://bafkrei...`` URI is derived from
that digest, so the bytes must be reproducible: they are always JCS-canonical and always fit in
one IPFS chunk (a single raw block, whose CID is a function of its sha256 alone).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import rfc8785

from provenance.errors import InputError, ProvenanceError, VerificationError
from provenance.untrusted import load_json

__all__ = [
    "CONTENT_PROFILE",
    "MAX_METADATA_BYTES",
    "build_metadata",
    "canonical_json",
    "encode_metadata",
    "parse_attributes",
    "parse_metadata",
    "recorded_metadata",
]

# The smallest chunk of the CIDv1 profiles (kubo-v1: 256 KiB): under it, the metadata is one raw
# block in every profile, and its CID is base32(0x01 0x55 0x12 0x20 || sha256).
MAX_METADATA_BYTES = 256 * 1024
#: The IPFS import profile every artwork and metadata file is stored under. Pinned, not the CLI's
#: ``ipfs add`` default: the CIDs it gives are written into tokens and must never change.
CONTENT_PROFILE = "unixfs-v1-2025"
PROVENANCE_VERSION = 1
# Honest metadata nests 4 levels (metadata > provenance > generator > model); the bound leaves
# room for new fields while refusing a nesting bomb before the parser sees it.
MAX_METADATA_DEPTH = 16


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes: sorted keys, no whitespace, ECMAScript number formatting."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InputError(f"value cannot be serialized as canonical JSON: {exc}") from exc


def parse_attributes(pairs: Sequence[str]) -> list[dict[str, Any]]:
    """``key=value`` strings as OpenSea attributes; integer-looking values become numbers."""
    attributes: list[dict[str, Any]] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"attribute {pair!r} is not key=value")
        typed: Any = value
        if value.lstrip("-").isdigit() and len(value) < 16:
            typed = int(value)
        attributes.append({"trait_type": key.strip(), "value": typed})
    return attributes


def build_metadata(
    *,
    name: str,
    description: str,
    image_cid: str,
    image_sha256: bytes,
    mime: str,
    size: int,
    width: int,
    height: int,
    donor: str,
    attributes: Sequence[Mapping[str, Any]] = (),
    generator: Mapping[str, Any] | None = None,
    sealed_message: Mapping[str, Any] | None = None,
    animation_url: str | None = None,
    external_url: str | None = None,
    credentials: Mapping[str, Any] | None = None,
    animation: Mapping[str, Any] | None = None,
    fingerprint: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "version": PROVENANCE_VERSION,
        "image": {
            "cid": image_cid,
            "sha256": image_sha256.hex(),
            "mime": mime,
            "size": size,
            "width": width,
            "height": height,
        },
        "donor": donor,
    }
    if fingerprint is not None:
        # The decoded pixels' digest and ISCC code (content/fingerprint.py): copies are named.
        record["fingerprint"] = dict(fingerprint)
    if generator is not None:
        record["generator"] = dict(generator)
    if credentials is not None:
        # The sha256 of the certificate that signed the PNG's Content Credentials (C2PA).
        record["credentials"] = dict(credentials)
    if sealed_message is not None:
        record["sealed_message"] = dict(sealed_message)
    if animation is not None:  # content/media.py's Animation.record: hash, CID, mime, size
        record["animation"] = dict(animation)
        animation_url = f"ipfs://{animation['cid']}"
    metadata: dict[str, Any] = {
        "name": name,
        "description": description,
        "image": f"ipfs://{image_cid}",
        "attributes": [dict(a) for a in attributes],
        "provenance": record,
    }
    if animation_url:
        metadata["animation_url"] = animation_url
    if external_url:
        metadata["external_url"] = external_url
    return metadata


def encode_metadata(metadata: Mapping[str, Any]) -> bytes:
    """The bytes a token's metadata is stored and digested as: canonical JSON, one IPFS chunk at
    most (one raw block, whose CID the contract derives from the digest it stores). Encoded once
    a work: canonicalisation is a fifth of a batch's CPU a work."""
    encoded = canonical_json(metadata)
    if len(encoded) > MAX_METADATA_BYTES:
        raise InputError(
            f"metadata is {len(encoded)} bytes; the limit is {MAX_METADATA_BYTES} (one IPFS chunk)"
        )
    return encoded


def metadata_digest(metadata: Mapping[str, Any]) -> bytes:
    return hashlib.sha256(canonical_json(metadata)).digest()


def parse_metadata(data: bytes) -> dict[str, Any]:
    """Parse metadata bytes read back from IPFS; they must be canonical and well formed."""
    try:
        value = load_json(
            data, max_bytes=MAX_METADATA_BYTES, max_depth=MAX_METADATA_DEPTH, what="the metadata"
        )
    except ProvenanceError as exc:
        raise VerificationError(exc.message, check="metadata") from exc
    if not isinstance(value, dict):
        raise VerificationError("metadata is not a JSON object", check="metadata")
    try:
        canonical = canonical_json(value)
    except InputError as exc:  # e.g. an integer past 2**53, which JCS cannot write
        raise VerificationError(
            "metadata is not in canonical (RFC 8785) form", check="metadata"
        ) from exc
    if canonical != data:
        raise VerificationError("metadata is not in canonical (RFC 8785) form", check="metadata")
    record = value.get("provenance")
    if not isinstance(record, dict) or record.get("version") != PROVENANCE_VERSION:
        raise VerificationError("metadata has no provenance record (version 1)", check="metadata")
    image = record.get("image")
    if not isinstance(image, dict) or not {"cid", "sha256", "mime", "size"} <= image.keys():
        raise VerificationError("provenance record lacks the image fields", check="metadata")
    return value


# Parsed metadata by digest: the bytes behind a digest never change, and a served gallery reads the
# whole collection again at every new block (gallery/data.py, workflows/publish.py's list of the
# roots it serves): a parse is 0.25 ms, 2.5 s at 10,000 works. Only metadata that hashed to its
# digest and parsed is kept; a failure is tried again next time.
_RECORDED: dict[bytes, dict[str, Any]] = {}
_MAX_RECORDED = 100_000


def recorded_metadata(digest: bytes, read: Callable[[], bytes]) -> dict[str, Any]:
    """The metadata whose sha256 the chain recorded as ``digest``, parsed (``parse_metadata``);
    ``read`` gives its bytes when they are not known yet. A copy: the caller may change it."""
    known = _RECORDED.get(digest)
    if known is None:
        data = read()
        if hashlib.sha256(data).digest() != digest:
            raise VerificationError(
                "metadata does not hash to the on-chain digest", check="metadata"
            )
        known = parse_metadata(data)
        if len(_RECORDED) < _MAX_RECORDED:
            _RECORDED[digest] = known
    return copy.deepcopy(known)
