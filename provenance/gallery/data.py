"""What the gallery shows, read from the chain (records, owners, events) and IPFS (metadata).

The page data carries the on-chain digests, never digests taken from IPFS: the browser checks the
content it fetches against what the chain recorded, so a changed block turns a badge red.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from provenance.chain.chainview import ChainView, Mint, read_chain
from provenance.chain.token_id import short_token, token_hex
from provenance.content.metadata import MAX_METADATA_BYTES, recorded_metadata
from provenance.errors import ProvenanceError, VerificationError
from provenance.ipfs.cid import raw_cid_for_sha256

if TYPE_CHECKING:
    from provenance.content.collection import CollectionInfo
    from provenance.content.copy_index import CopyEntry
    from provenance.ipfs.reader import ContentSource
    from provenance.workflows.session import Session

__all__ = ["GalleryData", "OfferEntry", "Work", "collect"]


@dataclass
class Work:
    token_id: int
    owner: str | None  # None: burned
    metadata_sha256: str
    image_sha256: str
    metadata_cid: str
    token_uri: str
    title: str
    description: str = ""
    image_cid: str | None = None
    animation_url: str | None = None
    animation: dict[str, Any] | None = None  # the committed record (cid, sha256, mime, size)
    mime: str | None = None
    width: int | None = None
    height: int | None = None
    donor: str | None = None
    donation_wei: int | None = None
    sealed_message: bool = False
    generator: dict[str, Any] | None = None
    attributes: list[dict[str, Any]] = field(default_factory=list)
    minted_block: int | None = None
    minted_tx: str | None = None
    problem: str | None = None  # why the metadata could not be shown (the badge turns red)
    copy: CopyEntry | None = None  # its entry in the copy index (content/copy_index.py)
    # The Content Credentials check verify runs, for a work whose metadata binds a certificate:
    # (passed, evidence: signed by whom, trusted or not and why). gallery/credentials_view.py
    credentials: tuple[bool | None, str] | None = None

    @property
    def hex_id(self) -> str:
        """The full id in 0x hex: the work's page name (work/0x....html)."""
        return token_hex(self.token_id)

    @property
    def short_id(self) -> str:
        return short_token(self.token_id)

    def page_data(self) -> dict[str, Any]:
        """What the badge needs to ask the chain: the token (a decimal string: ids may exceed
        2**53) and the block of its mint event (a hint: a wrong one finds nothing)."""
        return {"tokenId": str(self.token_id), "mintedBlock": self.minted_block}


@dataclass
class OfferEntry:
    id: str
    name: str
    description: str
    image_cid: str
    metadata_cid: str
    metadata_sha256: str
    image_sha256: str
    min_donation_wei: int
    deadline: int
    recipient: str | None
    signer: str
    offer_json: bytes
    generator: dict[str, Any] | None = None

    def page_offer(self) -> dict[str, Any]:
        """The signed offer for the page's script, its deadline as a decimal string (a JSON number
        past 2**53, such as "no expiry", would lose precision in a browser)."""
        offer: dict[str, Any] = json.loads(self.offer_json)
        offer["voucher"]["deadline"] = str(offer["voucher"]["deadline"])
        return offer

    def page_data(self) -> dict[str, Any]:
        """The signed offer itself: the browser checks its signature and content."""
        return {"offer": self.page_offer()}


@dataclass
class GalleryData:
    chain_id: int
    contract: str
    name: str
    works: list[Work]
    offers: list[OfferEntry]
    block: int
    generated_at: int
    # The collection's ERC-7572 document (name, statement, cover): workflows/contract_metadata.py.
    info: CollectionInfo | None = None
    cover: tuple[str, bytes] | None = None  # (file name, bytes) served beside the pages
    from_block: int = 0  # the collection's deployment block: where event scans start
    info_problem: str | None = None  # why the ERC-7572 document could not be shown


def collect(collection: Session, source: ContentSource) -> GalleryData:
    """The collection as the gallery shows it, read from the chain in bulk: three event scans
    (mints, transfers, redemptions) over bounded block ranges, whatever the number of works,
    instead of three calls per work; each work's metadata from ``source``."""
    contract = collection.contract
    block = collection.chain.rpc.block_number()
    chain = read_chain(contract, to_block=block)
    # Token ids are image digests, not a sequence: the ArtworkMinted events name every token
    # ever minted; newest first.
    works = [_work(mint, chain, source) for mint in reversed(chain.mints)]
    from provenance.workflows.contract_metadata import read_collection_info, read_cover

    info_problem = None
    try:
        info = read_collection_info(collection, source)
    except VerificationError as exc:
        info, info_problem = None, f"The collection's description cannot be shown: {exc}."
    try:
        name = info.name if info else str(contract.call("name"))
    except ProvenanceError:
        name = "Provenance"
    return GalleryData(
        chain_id=collection.chain.chain_id,
        contract=contract.address,
        name=name,
        works=works,
        offers=_offers(collection, source),
        block=block,
        generated_at=int(time.time()),
        info=info,
        cover=read_cover(info, source),
        from_block=contract.from_block,
        info_problem=info_problem,
    )


def _work(mint: Mint, chain: ChainView, source: ContentSource) -> Work:
    token_id = mint.token_id
    owner = chain.owners.get(token_id)
    metadata_cid = raw_cid_for_sha256(mint.metadata_digest)
    work = Work(
        token_id=token_id,
        owner=owner,
        metadata_sha256=mint.metadata_digest.hex(),
        image_sha256=token_id.to_bytes(32, "big").hex(),
        metadata_cid=metadata_cid,
        # What the contract's tokenURI derives from the record (CidV1.ipfsUriOfRawSha256); a
        # burned token has none.
        token_uri=f"ipfs://{metadata_cid}",
        title=f"Token {short_token(token_id)}",
        donation_wei=chain.donations.get(token_id),
        sealed_message=mint.sealed_message,
        minted_block=mint.block,
        minted_tx=mint.tx_hash,
    )
    image_digest = token_id.to_bytes(32, "big")
    try:
        metadata = recorded_metadata(
            mint.metadata_digest, lambda: source.cat(metadata_cid, max_size=MAX_METADATA_BYTES)
        )
    except ProvenanceError as exc:
        work.problem = f"metadata unavailable: {exc}"
        return work
    try:
        _fill_from_metadata(work, metadata)
        from provenance.gallery.credentials_view import work_credentials
        from provenance.workflows.copies import copy_entry

        work.credentials = work_credentials(metadata["provenance"], image_digest, source)
        work.copy = copy_entry(
            token_id, work.metadata_sha256, metadata["provenance"], image_digest, source
        )
    except ProvenanceError:
        pass  # no fingerprint (image unavailable): the work is shown, not in the copy index
    except (TypeError, ValueError, KeyError, AttributeError):
        # Well-formed JSON in an unexpected shape: this token shows one sentence, the others
        # are untouched.
        work.problem = "metadata unavailable: its fields are not of the expected types"
    return work


def _fill_from_metadata(work: Work, metadata: dict[str, Any]) -> None:
    prov = metadata["provenance"]
    work.title = str(metadata.get("name") or work.title)
    work.description = str(metadata.get("description") or "")
    work.image_cid = str(prov["image"]["cid"])
    work.mime = str(prov["image"].get("mime") or "")
    width, height = prov["image"].get("width"), prov["image"].get("height")
    work.width = width if isinstance(width, int) and not isinstance(width, bool) else None
    work.height = height if isinstance(height, int) and not isinstance(height, bool) else None
    donor = prov.get("donor")
    work.donor = donor if isinstance(donor, str) else None
    generator = prov.get("generator")
    work.generator = generator if isinstance(generator, dict) else None
    attributes = metadata.get("attributes") or []
    work.attributes = (
        [a for a in attributes if isinstance(a, dict)] if isinstance(attributes, list) else []
    )
    animation = metadata.get("animation_url")
    work.animation_url = str(animation) if isinstance(animation, str) else None
    committed = prov.get("animation")
    work.animation = dict(committed) if isinstance(committed, dict) else None


def _offers(collection: Session, source: ContentSource) -> list[OfferEntry]:
    """Offers made from this home for this collection that can still be redeemed."""
    from provenance.workflows.offer import check_offer, saved_offers

    entries = []
    for offer in saved_offers():
        if (
            offer.chain_id != collection.chain.chain_id
            or offer.contract != collection.contract.address
        ):
            continue
        try:
            checked = check_offer(offer, collection, source)
        except ProvenanceError:
            continue  # redeemed, expired, or its content is gone: not on show
        voucher = offer.voucher
        entries.append(
            OfferEntry(
                id=offer.id_hex,
                name=offer.name,
                description=str(checked.metadata.get("description") or ""),
                image_cid=offer.image_cid,
                metadata_cid=offer.metadata_cid,
                metadata_sha256=voucher.metadata_digest.hex(),
                image_sha256=voucher.image_digest.hex(),
                min_donation_wei=voucher.min_donation,
                deadline=voucher.deadline,
                recipient=None if voucher.open else voucher.recipient,
                signer=voucher.signer,
                offer_json=offer.encode(),
                generator=checked.metadata["provenance"].get("generator"),
            )
        )
    return entries
