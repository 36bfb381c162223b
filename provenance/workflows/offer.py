"""Offers: the artist makes one (content stored and pinned, a voucher signed), a donor checks one.

Design: what the voucher commits to, and where the donor's message goes
------------------------------------------------------------------------
The voucher fixes the metadata digest when the artist signs it, long before a donor exists, so the
donor's sealed message cannot be inside that metadata. The offer's metadata is therefore complete
without it: image CID and sha256, title, generation record, and ``donor`` = the voucher's
recipient, or the zero address for an open offer ("whoever redeems it"). The donor seals their
message to their own key at redemption and passes the envelope as ``redeem``'s ``sealedMessage``:
the contract stores ``keccak256(envelope)`` in ``ArtworkMinted.messageHash`` and the envelope bytes
in the same log. ``provenance verify`` accepts an envelope that lives only in the mint event when,
and only when, the token came from a ``VoucherRedeemed`` redemption (the redeemer, not the artist,
chose it); a token minted directly must carry its envelope in the metadata as before.

The artwork cannot be swapped: the contract mints exactly the signed metadata and image digests,
and ``verify`` checks the metadata and image bytes against them. No contract change was needed.

Every check a donor needs runs before anything is sent (:func:`check_offer`), and a redemption is
journaled (the signed transaction is written before it is broadcast) so that an interrupted
``redeem`` re-run finds or re-sends the same transaction instead of paying twice.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provenance.chain.address import ZERO_ADDRESS, parse_address, to_checksum
from provenance.chain.contract import VoucherState
from provenance.chain.token_id import short_token
from provenance.chain.units import NO_DEADLINE
from provenance.content.metadata import (
    CONTENT_PROFILE,
    MAX_METADATA_BYTES,
    encode_metadata,
    parse_metadata,
)
from provenance.content.offer import (
    ERC1271_MAGIC,
    Offer,
    Voucher,
    load_offer,
    recover_signer,
    voucher_digest,
    voucher_typed_data,
)
from provenance.content.token import TokenSpec, token_spec
from provenance.errors import (
    ChainError,
    ConfigError,
    ContractRevert,
    InputError,
    ProvenanceError,
    VerificationError,
)
from provenance.ipfs.cid import raw_cid_for_sha256
from provenance.ipfs.reader import ContentSource
from provenance.state.home import atomic_write, home
from provenance.workflows.session import AlreadyMinted, Session

__all__ = [
    "ERC1271_MAGIC",
    "OfferCheck",
    "check_offer",
    "erc1271_approves",
    "make_offer",
    "saved_offers",
]


def make_offer(
    token: TokenSpec | Path,
    collection: Session,
    *,
    min_donation: int,
    recipient: str | None = None,
    expires_in: int | None = None,
    now: int | None = None,
) -> Offer:
    """Store the token's artwork and metadata (pinned), sign a voucher for them, keep a copy of
    the offer under ``PROVENANCE_HOME/offers/`` (the gallery lists it) and return it. A bare path
    is an artwork with no other token options."""

    if collection.sender is None:
        raise InputError("an offer needs the artist's signing key")
    if min_donation < 0:
        raise InputError("the minimum donation cannot be negative")
    if expires_in is not None and expires_in <= 0:
        raise InputError("the expiry must be in the future")
    spec = token if isinstance(token, TokenSpec) else token_spec(token)
    art = spec.artwork
    to = parse_address(recipient, what="recipient") if recipient else ZERO_ADDRESS
    contract = collection.contract
    account = collection.sender.account
    signer = to_checksum(account.address)
    if not contract.is_minter(signer):
        raise ChainError(
            f"account {signer} is not a minter of {contract.address}: its vouchers"
            " would be refused",
            account=signer,
        )
    existing = contract.token_of_image(art.sha256)
    if existing:
        raise AlreadyMinted(existing, art.sha256)
    from provenance.content.credentials import mint_binding  # c2pa only for a signed PNG

    credentials = mint_binding(art.data, home().identity)  # a redeemed token binds it too
    store = collection.store
    image_cid = store.add_pinned(art.data, params=CONTENT_PROFILE)
    metadata = spec.metadata(image_cid=image_cid, donor=to, credentials=credentials)
    encoded = encode_metadata(metadata)
    digest = hashlib.sha256(encoded).digest()
    # Metadata is one raw block, so the contract can derive its CID from the digest it stores.
    metadata_cid = store.add_pinned(
        encoded, params=CONTENT_PROFILE, expect=raw_cid_for_sha256(digest)
    )
    spec.attachments.store(store)
    start = now if now is not None else int(time.time())
    deadline = NO_DEADLINE if expires_in is None else min(start + expires_in, NO_DEADLINE)
    voucher = Voucher(
        signer=signer,
        recipient=to,
        metadata_digest=digest,
        image_digest=art.sha256,
        min_donation=min_donation,
        deadline=deadline,
        id=secrets.token_bytes(32),
    )
    signed = account.sign_typed_data(
        full_message=voucher_typed_data(
            voucher, chain_id=collection.chain.chain_id, contract=contract.address
        )
    )
    offer = Offer(
        name=str(metadata["name"]),
        chain_id=collection.chain.chain_id,
        contract=contract.address,
        voucher=voucher,
        signature=bytes(signed.signature),
        metadata_cid=metadata_cid,
        image_cid=image_cid,
    )
    atomic_write(home().offers / f"{offer.id_hex}.json", offer.encode())
    return offer


def saved_offers() -> list[Offer]:
    """The offers this home has made, newest first; unreadable files are skipped."""
    found: list[tuple[float, Offer]] = []
    folder = home().offers
    if not folder.is_dir():
        return []
    for path in folder.glob("0x*.json"):
        try:
            found.append((path.stat().st_mtime, load_offer(path)))
        except ProvenanceError:
            continue
    return [offer for _, offer in sorted(found, key=lambda item: -item[0])]


@dataclass
class OfferCheck:
    """A checked offer: every field is what it claims, and it is redeemable right now."""

    offer: Offer
    metadata: dict[str, Any]


def check_offer(
    offer: Offer,
    collection: Session,
    source: ContentSource,
    *,
    redeemer: str | None = None,
    sealed: bool = False,
) -> OfferCheck:
    """Check an offer against the connected chain and its content; raise on the first problem
    (``ConfigError`` wrong chain/contract, ``VerificationError`` forged or tampered,
    ``InputError`` expired / redeemed / already minted / a message from someone other than the
    named recipient).

    ``redeemer`` and ``sealed`` describe the intended redemption: who sends it and whether it
    attaches a sealed message. Without ``redeemer`` only the offer itself is checked.
    """
    chain, contract = collection.chain, collection.contract
    voucher = offer.voucher
    if offer.chain_id != chain.chain_id:
        raise ConfigError(
            f"the offer is for chain {offer.chain_id}, but {chain.label} is chain"
            f" {chain.chain_id}: refusing to redeem it here"
        )
    if offer.contract != contract.address:
        raise ConfigError(
            f"the offer is for contract {offer.contract}, not this collection"
            f" ({contract.address}): pass --contract {offer.contract} if you mean it"
        )
    recovered = recover_signer(offer)
    # As OpenZeppelin's SignatureChecker (what `redeem` runs): an ECDSA signature by the signer
    # itself, or else, when the signer is a contract wallet (a Safe), its ERC-1271 approval.
    if recovered != voucher.signer:
        if chain.rpc.get_code(voucher.signer):
            if not erc1271_approves(
                collection,
                voucher.signer,
                voucher_digest(voucher, chain_id=chain.chain_id, contract=contract.address),
                offer.signature,
            ):
                raise VerificationError(
                    f"the contract wallet {voucher.signer} does not approve the offer's signature"
                    " over this voucher (ERC-1271 isValidSignature): the offer was altered or"
                    " forged",
                    check="signature",
                )
        else:
            raise VerificationError(
                f"the offer's signature is not {voucher.signer}'s over this voucher"
                f" (recovered {recovered or 'nothing'}): the offer was altered or forged",
                check="signature",
            )
    elif form := _openzeppelin_form_problem(offer.signature):
        # The right key's signature, in a form the contract's ECDSA refuses: redeem would revert.
        raise VerificationError(
            f"the offer's signature is not in the form the contract accepts ({form}): the"
            " offer was altered",
            check="signature",
        )
    on_chain = bytes(contract.call("hashVoucher", voucher.as_tuple()))
    if on_chain != voucher_digest(voucher, chain_id=chain.chain_id, contract=contract.address):
        raise VerificationError(
            "the contract hashes this voucher differently (not a"
            " ProvenanceArt deployment of this version?)",
            check="signature",
        )
    if not contract.is_minter(voucher.signer):
        raise VerificationError(
            f"the voucher's signer {voucher.signer} is not a minter of {contract.address}",
            check="signer",
        )
    state = contract.voucher_state(voucher.signer, voucher.id)
    if state is VoucherState.REDEEMED:
        raise InputError(
            f"offer {offer.id_hex[:18]}... was already redeemed" + _redeemed_as(collection, voucher)
        )
    if state is VoucherState.CANCELED:
        raise InputError(
            f"offer {offer.id_hex[:18]}... was canceled" + _canceled_by(collection, voucher)
        )
    latest = chain.rpc.get_block("latest").timestamp
    now = max(latest, int(time.time()))
    if voucher.deadline < now:
        raise InputError(f"the offer expired at {_utc(voucher.deadline)}")
    minted = contract.token_of_image(voucher.image_digest)
    if minted:
        raise InputError(
            f"the offered artwork is already token {short_token(minted)} of this collection"
        )
    # A voucher naming a recipient may be redeemed by anyone as a gift (the token goes to the
    # recipient, the payer pays), but only the recipient may attach a sealed message: the contract
    # refuses anyone else's (SealedMessageNotFromRecipient), so that nobody can front-run the
    # recipient's redemption and bind their own envelope to the recipient's token.
    if (
        sealed
        and redeemer is not None
        and not voucher.open
        and to_checksum(redeemer) != voucher.recipient
    ):
        raise InputError(
            f"the offer is for {voucher.recipient}: only they may attach a sealed"
            f" message, and you are {to_checksum(redeemer)}; redeem it without a"
            " message to give it as a gift"
        )
    return OfferCheck(offer=offer, metadata=_check_content(offer, source))


def erc1271_approves(collection: Session, wallet: str, digest: bytes, signature: bytes) -> bool:
    """Whether contract ``wallet`` approves ``signature`` over ``digest`` (ERC-1271): its
    ``isValidSignature(bytes32,bytes)`` returns the magic value 0x1626ba7e. A revert, or any other
    answer, means no."""
    from provenance.chain.abicodec import encode

    data = ERC1271_MAGIC + encode(["bytes32", "bytes"], [digest, signature])
    try:
        answer = collection.chain.rpc.call(wallet, data)
    except ContractRevert:
        return False
    # The check OpenZeppelin's SignatureChecker makes: one word holding the selector, left-aligned.
    return len(answer) >= 32 and answer[:32] == ERC1271_MAGIC.ljust(32, b"\0")


def _check_content(offer: Offer, source: ContentSource) -> dict[str, Any]:
    voucher = offer.voucher
    expected_cid = raw_cid_for_sha256(voucher.metadata_digest)
    if offer.metadata_cid != expected_cid:
        raise VerificationError(
            f"the offer's metadata CID {offer.metadata_cid} is not the signed"
            f" digest's ({expected_cid})",
            check="metadata",
        )
    data = _fetch_signed(
        source, expected_cid, MAX_METADATA_BYTES, voucher.metadata_digest, check="metadata"
    )
    metadata = parse_metadata(data)
    prov = metadata["provenance"]
    if "sealed_message" in prov:
        raise VerificationError(
            "an offer's metadata must not carry a sealed message", check="metadata"
        )
    if str(prov.get("donor", "")).lower() != voucher.recipient.lower():
        raise VerificationError(
            "the metadata's donor differs from the voucher's recipient", check="metadata"
        )
    if metadata.get("name") != offer.name:
        raise VerificationError(
            f"the offer's name {offer.name!r} differs from the signed"
            f" metadata's {metadata.get('name')!r}",
            check="metadata",
        )
    image = prov["image"]
    if image["cid"] != offer.image_cid or metadata.get("image") != f"ipfs://{offer.image_cid}":
        raise VerificationError(
            f"the offer's image CID {offer.image_cid} differs from the signed"
            f" metadata's {image['cid']}",
            check="image",
        )
    if image["sha256"] != voucher.image_digest.hex():
        raise VerificationError(
            "the metadata's image sha256 differs from the signed image digest", check="image"
        )
    from provenance.content.artwork import MAX_ARTWORK_BYTES  # here: it loads PIL

    _fetch_signed(source, offer.image_cid, MAX_ARTWORK_BYTES, voucher.image_digest, check="image")
    return metadata


def _fetch_signed(
    source: ContentSource, cid: str, max_size: int, signed_sha256: bytes, *, check: str
) -> bytes:
    """The offer's ``check`` content (metadata or image), whose sha256 the voucher signs."""
    try:
        data = source.cat(cid, max_size=max_size)
    except ProvenanceError as exc:
        raise VerificationError(
            f"cannot fetch the offer's {check} {cid}: {exc}", check=check
        ) from exc
    if hashlib.sha256(data).digest() != signed_sha256:
        raise VerificationError(
            f"the {check} bytes do not hash to the signed {check} digest", check=check
        )
    return data


def _utc(timestamp: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(timestamp))


def _voucher_topics(voucher: Voucher) -> list[str | None]:
    """The (signer, id) topics of VoucherRedeemed and VoucherCanceled: ids are per signer."""
    return [
        "0x" + bytes.fromhex(voucher.signer[2:]).rjust(32, b"\0").hex(),
        "0x" + voucher.id.hex(),
    ]


def _redeemed_as(collection: Session, voucher: Voucher) -> str:
    events = collection.contract.events("VoucherRedeemed", topics=_voucher_topics(voucher))
    return f" (token {short_token(int(events[0].args['tokenId']))})" if events else ""


def _canceled_by(collection: Session, voucher: Voucher) -> str:
    events = collection.contract.events("VoucherCanceled", topics=_voucher_topics(voucher))
    if not events:
        return ""
    return f" by {to_checksum(str(events[0].args['canceledBy']))}"


def _openzeppelin_form_problem(signature: bytes) -> str | None:
    from provenance.chain.recovery import openzeppelin_form_problem  # loaded with recover_signer

    return openzeppelin_form_problem(signature)
