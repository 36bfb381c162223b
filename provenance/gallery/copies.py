"""The copy index a gallery publishes at ``<gallery>/copies.json``: each work's fingerprint.

One entry per token: its id, the on-chain metadata digest, the decoded pixels' sha256, its ISCC
image code and, for a GAN work, the model's sha256 and the seed. ``verify`` reads it to name the
work a file copies; the index is only a hint: every entry it reports is first checked against the
chain (the token's metadata digest, then the hash-checked metadata or image). Tokens minted before
fingerprints were recorded get theirs computed from their image, after its sha256 is checked
against the chain's. Format: docs/verify.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provenance.content.fingerprint import Fingerprint, iscc_bits, parse_fingerprint
from provenance.errors import InputError, ProvenanceError

if TYPE_CHECKING:
    from provenance.ipfs.reader import ContentSource

__all__ = [
    "CopyEntry",
    "CopyIndex",
    "build_copy_index",
    "copy_entry",
    "fingerprint_from_image",
    "parse_copy_index",
]

FORMAT = "provenance-copies"
VERSION = 1
#: 10,000 works take about 2.5 MB; the bound leaves room for 100,000.
MAX_INDEX_BYTES = 32 * 1024 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TOKEN = re.compile(r"0x[0-9a-f]{64}")
# Fingerprints computed from images (tokens minted before they were recorded), by image sha256:
# the image bytes behind a digest never change.
_COMPUTED: dict[bytes, Fingerprint] = {}
_MAX_COMPUTED = 100_000


@dataclass(frozen=True)
class CopyEntry:
    token_id: int
    metadata_sha256: str
    fingerprint: Fingerprint
    model_sha256: str | None = None
    seed: int | None = None

    @property
    def bits(self) -> int:
        return iscc_bits(self.fingerprint.iscc)

    def record(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "token": f"0x{self.token_id:064x}",
            "metadata_sha256": self.metadata_sha256,
            "pixels_sha256": self.fingerprint.pixels_sha256,
            "iscc": self.fingerprint.iscc,
        }
        if self.model_sha256 is not None and self.seed is not None:
            entry.update(model_sha256=self.model_sha256, seed=self.seed)
        return entry


@dataclass(frozen=True)
class CopyIndex:
    chain_id: int
    contract: str
    entries: tuple[CopyEntry, ...]

    def encode(self) -> bytes:
        document = {
            "format": FORMAT,
            "version": VERSION,
            "chain_id": self.chain_id,
            "contract": self.contract,
            "works": [e.record() for e in self.entries],
        }
        return json.dumps(document, separators=(",", ":")).encode() + b"\n"


def fingerprint_from_image(
    prov: dict[str, Any], image_sha256: bytes, source: ContentSource
) -> Fingerprint:
    """A token's fingerprint: the one its metadata records, else computed from its image, whose
    bytes must hash to the on-chain ``image_sha256`` (tokens minted before fingerprints)."""
    recorded = parse_fingerprint(prov.get("fingerprint"))
    if recorded is not None:
        return recorded
    known = _COMPUTED.get(image_sha256)
    if known is not None:  # a served gallery re-reads the collection at every block
        return known
    from provenance.content.artwork import MAX_ARTWORK_BYTES
    from provenance.content.fingerprint import fingerprint_of_bytes

    image = prov["image"]
    size = image.get("size")
    limit = size if isinstance(size, int) and 0 < size <= MAX_ARTWORK_BYTES else MAX_ARTWORK_BYTES
    data = source.cat(str(image["cid"]), max_size=limit)
    if hashlib.sha256(data).digest() != image_sha256:
        raise ProvenanceError(f"the image {image['cid']} does not hash to the on-chain digest")
    computed = fingerprint_of_bytes(data, what=f"image {image['cid']}")
    if len(_COMPUTED) < _MAX_COMPUTED:
        _COMPUTED[image_sha256] = computed
    return computed


def copy_entry(
    token_id: int,
    metadata_sha256: str,
    prov: dict[str, Any],
    image_sha256: bytes,
    source: ContentSource,
) -> CopyEntry:
    """The index entry of one token, from its hash-checked metadata's provenance record."""
    generator = prov.get("generator")
    model = generator.get("model") if isinstance(generator, dict) else None
    model_sha = model.get("sha256") if isinstance(model, dict) else None
    seed = generator.get("seed") if isinstance(generator, dict) else None
    named = isinstance(model_sha, str) and isinstance(seed, int) and not isinstance(seed, bool)
    return CopyEntry(
        token_id=token_id,
        metadata_sha256=metadata_sha256,
        fingerprint=fingerprint_from_image(prov, image_sha256, source),
        model_sha256=str(model_sha) if named else None,
        seed=int(seed) if named else None,  # type: ignore[arg-type]
    )


def build_copy_index(chain_id: int, contract: str, entries: list[CopyEntry]) -> CopyIndex:
    return CopyIndex(chain_id=chain_id, contract=contract, entries=tuple(entries))


def _entry(value: Any, what: str) -> CopyEntry:
    if not isinstance(value, dict):
        raise InputError(f"{what}: an entry is not an object")
    token, digest = value.get("token"), value.get("metadata_sha256")
    fingerprint = parse_fingerprint(value)
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise InputError(f"{what}: an entry's token is not 0x and 64 hex digits")
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest) or fingerprint is None:
        raise InputError(f"{what}: entry {token[:10]} lacks its digests")
    model, seed = value.get("model_sha256"), value.get("seed")
    named = (
        isinstance(model, str)
        and bool(_HEX64.fullmatch(model))
        and isinstance(seed, int)
        and not isinstance(seed, bool)
    )
    return CopyEntry(
        token_id=int(token, 16),
        metadata_sha256=digest,
        fingerprint=fingerprint,
        model_sha256=model if named else None,
        seed=seed if named else None,
    )


def parse_copy_index(data: bytes, *, what: str) -> CopyIndex:
    """Validate untrusted index bytes (a gallery's, or this home's cache)."""
    from provenance.untrusted import load_json

    document = load_json(data, max_bytes=MAX_INDEX_BYTES, max_depth=4, what=what, error=InputError)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(f"{what} is not a provenance copy index")
    if document.get("version") != VERSION:
        raise InputError(f"{what}: copy index version {document.get('version')!r} is not 1")
    works, chain_id = document.get("works"), document.get("chain_id")
    contract = document.get("contract")
    if (
        not isinstance(works, list)
        or not isinstance(chain_id, int)
        or not isinstance(contract, str)
    ):
        raise InputError(f"{what}: the copy index lacks chain_id, contract or works")
    return CopyIndex(
        chain_id=chain_id, contract=contract, entries=tuple(_entry(w, what) for w in works)
    )
