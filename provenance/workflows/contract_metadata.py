"""``provenance collection set``: the collection's name, statement and cover (ERC-7572).

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
from provenance.errors import ChainError, ProvenanceError
from provenance.ipfs.reader import ContentSource
from provenance.workflows.session import Session

__all__ = ["CollectionSet", "read_collection_info", "set_collection"]


@dataclass
class CollectionSet:
    contract_uri: str
    metadata_cid: str
    image_cid: str
    tx_hash: str | None  # None: the chain already named this document


def set_collection(
    collection: Session,
    *,
    name: str,
    description: str,
    image: Path,
    external_link: str | None = None,
) -> CollectionSet:
    from provenance.ipfs import add_bytes

    cover = load_artwork(image)  # PNG, JPEG or WebP, decoded in full
    admin = collection.require_sender("setting the collection's metadata").address
    contract = collection.contract
    image_cid = str(add_bytes(cover.data, store=None, params=CONTENT_PROFILE).cid)
    document = build_contract_metadata(
        name=name, description=description, image_cid=image_cid, external_link=external_link
    )
    store = collection.store
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
