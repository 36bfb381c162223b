"""``provenance collection set``: the collection's name, statement, cover, artist, public address
and rendering (ERC-7572). Each run changes only what it is given: the rest is kept from the
current document.

The cover image and the contract-level JSON are stored and pinned first, then ``setContractURI``
goes through the journaled outbox (admin only), keyed ``contract-uri:<chain>:<contract>``: a re-run
after an interruption finishes the journaled transaction; a re-run with the same choices when the
chain already says so sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from provenance.chain.outbox import TxCall
from provenance.content.artwork import load_artwork
from provenance.content.collection import CollectionInfo, build_contract_metadata
from provenance.content.collection import parse_contract_metadata as parse
from provenance.content.metadata import CONTENT_PROFILE, MAX_METADATA_BYTES
from provenance.errors import ChainError, InputError, ProvenanceError
from provenance.ipfs.reader import ContentSource
from provenance.workflows.session import Session

__all__ = [
    "CollectionChoices",
    "CollectionSet",
    "merged_document",
    "read_collection_info",
    "set_collection",
]


@dataclass
class CollectionSet:
    contract_uri: str
    metadata_cid: str
    image_cid: str
    tx_hash: str | None  # None: the chain already named this document


@dataclass(frozen=True)
class CollectionChoices:
    """What ``collection set`` changes; None keeps the current document's value."""

    name: str | None = None
    description: str | None = None
    image: Path | None = None
    external_link: str | None = None
    artist: str | None = None
    gallery_url: str | None = None
    rendering: str | None = None


def merged_document(
    current: CollectionInfo | None, choices: CollectionChoices, image_cid: str | None
) -> tuple[bytes, str]:
    """The new ERC-7572 document and its cover's CID: the choices over the current document. A
    first document needs a name and a cover; an empty string clears an optional text (artist,
    link, public URL)."""
    name = choices.name if choices.name is not None else current.name if current else None
    cover = image_cid or (current.image_cid if current else None)
    if not name or cover is None:
        raise InputError(
            "the collection has no document yet (or it cannot be read here): give --name and"
            " --image"
        )

    def keep(new: str | None, old: str | None) -> str | None:
        return (new or None) if new is not None else old

    document = build_contract_metadata(
        name=name,
        description=keep(choices.description, current.description if current else "") or "",
        image_cid=cover,
        external_link=keep(choices.external_link, current.external_link if current else None),
        artist=keep(choices.artist, current.artist if current else None),
        gallery_url=keep(choices.gallery_url, current.gallery_url if current else None),
        rendering=choices.rendering or (current.rendering if current else "pixelated"),
    )
    return document, cover


def set_collection(collection: Session, choices: CollectionChoices) -> CollectionSet:
    """Write the merged document, pin it (and a new cover), and point contractURI at it."""
    from provenance.ipfs import add_bytes

    cover = load_artwork(choices.image) if choices.image is not None else None
    admin = collection.require_sender("setting the collection's metadata").address
    contract = collection.contract
    image_cid = (
        str(add_bytes(cover.data, store=None, params=CONTENT_PROFILE).cid) if cover else None
    )
    current = read_collection_info(collection, collection.store)
    document, image_cid = merged_document(current, choices, image_cid)
    store = collection.store
    if cover is not None:
        store.add_pinned(cover.data, params=CONTENT_PROFILE, expect=image_cid)
    metadata_cid = store.add_pinned(document, params=CONTENT_PROFILE)
    uri = f"ipfs://{metadata_cid}"
    key = f"contract-uri:{collection.chain.chain_id}:{contract.address}"
    if collection.journal.transaction(key) is None:
        if str(contract.call("contractURI")) == uri:
            return CollectionSet(uri, metadata_cid, image_cid, None)
        if not contract.is_admin(admin):
            raise ChainError(
                f"account {admin} is not the admin of {contract.address}", account=admin
            )
    call = TxCall(
        to=contract.address,
        data=contract.abi.encode_call("setContractURI", uri),
        action="set the contract URI",
        abi=contract.abi,
    )
    receipt, _resumed = collection.transact(
        key, call, description="setContractURI of this collection", failpoints="contract-uri-"
    )
    return CollectionSet(uri, metadata_cid, image_cid, receipt.tx_hash)


def read_collection_info(collection: Session, source: ContentSource) -> CollectionInfo | None:
    """The collection's ERC-7572 document, or None when it names none or it cannot be read; a
    document that was read but is not one (not JSON, too deep, no name) is a
    ``VerificationError`` saying why."""
    try:
        uri = str(collection.contract.call("contractURI"))
    except ProvenanceError:
        return None
    if not uri.startswith("ipfs://"):
        return None
    try:
        document = source.cat(uri.removeprefix("ipfs://"), max_size=MAX_METADATA_BYTES)
    except (ProvenanceError, ValueError):
        return None
    return parse(document)


_COVER_TYPES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg", b"RIFF": "webp"}


def read_cover(info: CollectionInfo | None, source: ContentSource) -> tuple[str, bytes] | None:
    """The cover image as (file name, bytes), read by its CID (so checked block by block) for the
    site to serve from its own origin; None when there is none or it is not a PNG, JPEG or WebP."""
    from provenance.content.artwork import MAX_ARTWORK_BYTES

    if info is None or info.image_cid is None:
        return None
    try:
        data = source.cat(info.image_cid, max_size=MAX_ARTWORK_BYTES)
    except (ProvenanceError, ValueError):
        return None
    for magic, ext in _COVER_TYPES.items():
        if data.startswith(magic) and (ext != "webp" or data[8:12] == b"WEBP"):
            return f"cover.{ext}", data
    return None
