"""Name the work a file copies: for an image that is no token's, find the token it copies.

Three kinds of copy, strongest first: the same decoded pixels (another encoding of the minted
file), a PNG whose generation record names a token's model and seed, and a visually near image
(ISCC image codes within ``NEAR_DISTANCE`` bits). Candidates come from a copy index (the gallery's
``copies.json``, or one built here from the chain and this home's store), cached under
``PROVENANCE_HOME/cache/copies``; the index is only a hint, so every candidate is confirmed
against the chain before it is named: its on-chain metadata digest, then the hash-checked
metadata's fingerprint (or the hash-checked image's, for a token minted before fingerprints).
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.chain.contract import ProvenanceArt
from provenance.chain.token_id import short_token
from provenance.content.copy_index import MAX_INDEX_BYTES, CopyEntry, CopyIndex, parse_copy_index
from provenance.content.fingerprint import NEAR_DISTANCE, Fingerprint, iscc_bits, parse_fingerprint
from provenance.content.metadata import MAX_METADATA_BYTES, parse_metadata
from provenance.errors import ContractRevert, InputError, ProvenanceError
from provenance.ipfs.cid import raw_cid_for_sha256
from provenance.ipfs.reader import ContentSource

__all__ = [
    "CopyKind",
    "CopyLookup",
    "CopyMatch",
    "copy_entry",
    "find_copy",
    "fingerprint_from_image",
    "gallery_index",
    "local_index",
    "look_for_copy",
]

if TYPE_CHECKING:
    from provenance.workflows.session import ReadTarget

#: How many perceptual candidates are confirmed on chain before giving up.
_MAX_CANDIDATES = 5


class CopyKind(enum.Enum):
    IDENTICAL_PIXELS = "identical-pixels"
    SAME_SEED = "same-seed"
    LOOKS_LIKE = "looks-like"


@dataclass(frozen=True)
class CopyMatch:
    kind: CopyKind
    token_id: int
    distance: int | None = None
    seed: int | None = None

    def sentence(self) -> str:
        short = short_token(self.token_id)
        if self.kind is CopyKind.IDENTICAL_PIXELS:
            return (
                f"a copy of token {short} with identical pixels; its bytes differ, so it is not"
                " the minted file"
            )
        if self.kind is CopyKind.SAME_SEED:
            return (
                f"generated from the model and seed ({self.seed}) of token {short}; its bytes"
                " differ, so it is not the minted file"
            )
        return (
            f"looks like token {short} (perceptual distance {self.distance} of 64); it is not the"
            " minted file"
        )


@dataclass(frozen=True)
class CopyLookup:
    """The outcome of a lookup: the match, if any, how many works were searched, and why the
    search could not be made (an unreachable index) when it could not."""

    match: CopyMatch | None
    searched: int
    problem: str | None = None


# Fingerprints computed from images (tokens minted before they were recorded), by image sha256:
# the image bytes behind a digest never change.
_COMPUTED: dict[bytes, Fingerprint] = {}
_MAX_COMPUTED = 100_000


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


IndexLoader = Callable[[bool], CopyIndex]  # refresh -> index


def _candidates(
    index: CopyIndex, query: Fingerprint, generation: dict[str, Any] | None
) -> list[tuple[CopyMatch, CopyEntry]]:
    found: list[tuple[CopyMatch, CopyEntry]] = []
    for entry in index.entries:
        if entry.fingerprint.pixels_sha256 == query.pixels_sha256:
            found.append((CopyMatch(CopyKind.IDENTICAL_PIXELS, entry.token_id), entry))
    if generation is not None:
        model = generation.get("model")
        model_sha = model.get("sha256") if isinstance(model, dict) else None
        seed = generation.get("seed")
        for entry in index.entries:
            if entry.seed is not None and (entry.model_sha256, entry.seed) == (model_sha, seed):
                found.append(
                    (CopyMatch(CopyKind.SAME_SEED, entry.token_id, seed=entry.seed), entry)
                )
    bits = iscc_bits(query.iscc)
    near = sorted(
        ((bits ^ e.bits).bit_count(), i) for i, e in enumerate(index.entries)
    )  # (distance, position): the nearest first, ties in index order
    for distance, position in near[:_MAX_CANDIDATES]:
        if distance > NEAR_DISTANCE:
            break
        entry = index.entries[position]
        found.append((CopyMatch(CopyKind.LOOKS_LIKE, entry.token_id, distance=distance), entry))
    return found


def _confirmed(entry: CopyEntry, contract: ProvenanceArt, source: ContentSource) -> bool:
    """Whether the chain and the hash-checked content stand behind an index entry."""
    try:
        record = contract.record_of(entry.token_id)
    except ContractRevert:
        return False  # no such token: the index lists something the collection never minted
    if record.metadata_digest.hex() != entry.metadata_sha256:
        return False
    try:
        data = source.cat(raw_cid_for_sha256(record.metadata_digest), max_size=MAX_METADATA_BYTES)
        if hashlib.sha256(data).digest() != record.metadata_digest:
            return False
        prov = parse_metadata(data)["provenance"]
        actual = copy_entry(
            entry.token_id, entry.metadata_sha256, prov, record.image_digest, source
        )
    except (ProvenanceError, TypeError, KeyError, AttributeError):
        return False
    return actual == entry


def find_copy(
    image: bytes,
    *,
    contract: ProvenanceArt,
    source: ContentSource,
    load_index: IndexLoader,
    generation: dict[str, Any] | None = None,
) -> CopyLookup:
    """The token ``image`` copies, confirmed on chain. ``load_index(refresh)`` gives the index
    (``refresh``: fetch anew, after a miss in the cached one)."""
    from provenance.content.fingerprint import fingerprint_of_bytes

    query = fingerprint_of_bytes(image, what="the file")
    searched = 0
    for refresh in (False, True):
        try:
            index = load_index(refresh)
        except ProvenanceError as exc:
            return CopyLookup(None, searched, problem=exc.message)
        searched = len(index.entries)
        for match, entry in _candidates(index, query, generation):
            if _confirmed(entry, contract, source):
                return CopyLookup(match, searched)
    return CopyLookup(None, searched)


def _cache_file(chain_id: int, contract: str, kind: str) -> Path:
    from provenance.state.home import home

    return home().copies_cache / f"{chain_id}-{contract.lower()}-{kind}.json"


def _cached(path: Path, chain_id: int, contract: str) -> CopyIndex | None:
    try:
        index = parse_copy_index(path.read_bytes(), what=str(path))
    except (OSError, InputError):
        return None  # absent or damaged: fetched or built anew
    if index.chain_id != chain_id or index.contract.lower() != contract.lower():
        return None
    return index


def gallery_index(url: str, *, chain_id: int, contract: str) -> IndexLoader:
    """The copy index a gallery publishes (``url``), cached in the home."""
    from provenance.state.home import atomic_write
    from provenance.workflows.session import fetch_document

    path = _cache_file(chain_id, contract, "gallery")

    def load(refresh: bool) -> CopyIndex:
        if not refresh:
            cached = _cached(path, chain_id, contract)
            if cached is not None:
                return cached
        data = fetch_document(url, max_bytes=MAX_INDEX_BYTES, what="the gallery's copy index")
        index = parse_copy_index(data, what=url)
        if index.chain_id != chain_id or index.contract.lower() != contract.lower():
            raise InputError(f"{url} indexes another collection than the gallery's descriptor")
        atomic_write(path, index.encode())
        return index

    return load


def local_index(contract: ProvenanceArt, source: ContentSource, *, chain_id: int) -> IndexLoader:
    """An index built from the chain's mint events and the content, for a collection named
    without a gallery; the entries already built are kept in the home."""
    from provenance.state.home import atomic_write

    path = _cache_file(chain_id, contract.address, "local")

    def load(refresh: bool) -> CopyIndex:
        cached = _cached(path, chain_id, contract.address)
        known = {e.token_id: e for e in cached.entries} if cached else {}
        if cached is not None and not refresh:
            return cached
        entries = []
        for event in contract.events("ArtworkMinted"):
            token_id = int(event.args["tokenId"])
            if token_id in known:
                entries.append(known[token_id])
                continue
            try:
                record = contract.record_of(token_id)
                data = source.cat(
                    raw_cid_for_sha256(record.metadata_digest), max_size=MAX_METADATA_BYTES
                )
                if hashlib.sha256(data).digest() != record.metadata_digest:
                    continue
                prov = parse_metadata(data)["provenance"]
                entries.append(
                    copy_entry(
                        token_id, record.metadata_digest.hex(), prov, record.image_digest, source
                    )
                )
            except (ProvenanceError, TypeError, KeyError, AttributeError):
                continue  # unreadable now: not indexed, tried again next time
        index = CopyIndex(chain_id=chain_id, contract=contract.address, entries=tuple(entries))
        atomic_write(path, index.encode())
        return index

    return load


def look_for_copy(image: bytes, target: ReadTarget, source: ContentSource) -> CopyLookup:
    """The token an image file copies, in the collection ``target`` names: by the gallery's copy
    index when a gallery named it, else by one built here; the file's own generation record (a
    PNG's) names a model and seed to look for."""
    import io

    from PIL import Image

    from provenance.content.generation import read_generation_record

    descriptor = target.descriptor
    chain_id, contract = target.chain.chain_id, target.contract
    if descriptor is not None and descriptor.copies_url is not None:
        loader = gallery_index(descriptor.copies_url, chain_id=chain_id, contract=contract.address)
    else:
        loader = local_index(contract, source, chain_id=chain_id)
    try:
        with Image.open(io.BytesIO(image)) as opened:
            generation = read_generation_record(opened)
    except (InputError, OSError):
        generation = None
    return find_copy(
        image, contract=contract, source=source, load_index=loader, generation=generation
    )
