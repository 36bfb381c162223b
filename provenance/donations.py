"""Donations: the artist's signed offer (an EIP-712 voucher), the donor's redemption, the admin's
withdrawal, and the donation ledger read back from the chain.

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
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_hash.auto import keccak

from provenance.chain.contract import DEFAULT_ADMIN_ROLE, checksum
from provenance.chain.tx import receipt_succeeded
from provenance.collection import Collection
from provenance.errors import (
    ChainError,
    ConfigError,
    ContractRevert,
    InputError,
    ProvenanceError,
    VerificationError,
)
from provenance.failpoints import failpoint
from provenance.home import atomic_write, home_dir
from provenance.ipfs.cid import raw_cid_for_sha256
from provenance.metadata import MAX_METADATA_BYTES, build_metadata, canonical_json, parse_metadata

if TYPE_CHECKING:
    from provenance.verify import ContentSource

__all__ = [
    "NO_DEADLINE",
    "ZERO_ADDRESS",
    "Donation",
    "DonationsReport",
    "Offer",
    "OfferCheck",
    "RedeemResult",
    "Voucher",
    "check_offer",
    "donations",
    "erc1271_approves",
    "format_wei",
    "load_offer",
    "make_offer",
    "parse_amount",
    "parse_duration",
    "recover_signer",
    "redeem",
    "saved_offers",
    "voucher_digest",
    "voucher_typed_data",
    "withdraw",
]

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
NO_DEADLINE = 2**64 - 1
OFFER_FORMAT = "provenance-offer"
OFFER_VERSION = 1
IMAGE_PROFILE = "unixfs-v1-2025"
# ERC-1271: bytes4(keccak256("isValidSignature(bytes32,bytes)")), both the selector and the answer.
ERC1271_MAGIC = bytes.fromhex("1626ba7e")

VOUCHER_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "Voucher": [
        {"name": "signer", "type": "address"},
        {"name": "recipient", "type": "address"},
        {"name": "metadataDigest", "type": "bytes32"},
        {"name": "imageDigest", "type": "bytes32"},
        {"name": "minDonation", "type": "uint256"},
        {"name": "deadline", "type": "uint64"},
        {"name": "id", "type": "bytes32"},
    ],
}


@dataclass(frozen=True)
class Voucher:
    signer: str
    recipient: str
    metadata_digest: bytes
    image_digest: bytes
    min_donation: int
    deadline: int
    id: bytes

    def as_tuple(self) -> tuple[Any, ...]:
        """The ABI tuple for ``redeem``/``hashVoucher``."""
        return (
            self.signer,
            self.recipient,
            self.metadata_digest,
            self.image_digest,
            self.min_donation,
            self.deadline,
            self.id,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "signer": self.signer,
            "recipient": self.recipient,
            "metadataDigest": "0x" + self.metadata_digest.hex(),
            "imageDigest": "0x" + self.image_digest.hex(),
            # wei as a decimal string: JSON numbers lose precision past 2**53 in browsers
            "minDonation": str(self.min_donation),
            "deadline": self.deadline,
            "id": "0x" + self.id.hex(),
        }

    @classmethod
    def from_json(cls, value: Any) -> Voucher:
        if not isinstance(value, dict):
            raise InputError("offer: 'voucher' is not an object")
        try:
            return cls(
                signer=_address(value["signer"], "voucher.signer"),
                recipient=_address(value["recipient"], "voucher.recipient"),
                metadata_digest=_bytes32(value["metadataDigest"], "voucher.metadataDigest"),
                image_digest=_bytes32(value["imageDigest"], "voucher.imageDigest"),
                min_donation=_uint(value["minDonation"], "voucher.minDonation", 256),
                deadline=_uint(value["deadline"], "voucher.deadline", 64),
                id=_bytes32(value["id"], "voucher.id"),
            )
        except KeyError as exc:
            raise InputError(f"offer: voucher lacks the field {exc.args[0]!r}") from None

    @property
    def open(self) -> bool:
        return self.recipient == ZERO_ADDRESS


@dataclass(frozen=True)
class Offer:
    """An offer file's content: safe to publish (a signature and public data only)."""

    name: str
    chain_id: int
    contract: str
    voucher: Voucher
    signature: bytes
    metadata_cid: str
    image_cid: str

    def to_json(self) -> dict[str, Any]:
        return {
            "format": OFFER_FORMAT,
            "version": OFFER_VERSION,
            "name": self.name,
            "chain_id": self.chain_id,
            "contract": self.contract,
            "voucher": self.voucher.to_json(),
            "signature": "0x" + self.signature.hex(),
            "metadata_cid": self.metadata_cid,
            "image_cid": self.image_cid,
        }

    def encode(self) -> bytes:
        return (json.dumps(self.to_json(), indent=2) + "\n").encode()

    @property
    def id_hex(self) -> str:
        return "0x" + self.voucher.id.hex()

    @classmethod
    def from_json(cls, value: Any) -> Offer:
        if not isinstance(value, dict) or value.get("format") != OFFER_FORMAT:
            raise InputError("not a provenance offer (format field missing or wrong)")
        if value.get("version") != OFFER_VERSION:
            raise InputError(f"unsupported offer version {value.get('version')!r}")
        try:
            name, sig = value["name"], value["signature"]
            if not isinstance(name, str):
                raise InputError("offer: 'name' is not a string")
            if not isinstance(sig, str) or not sig.startswith("0x"):
                raise InputError("offer: 'signature' is not 0x-hex")
            try:
                signature = bytes.fromhex(sig[2:])
            except ValueError:
                raise InputError("offer: 'signature' is not 0x-hex") from None
            return cls(
                name=name,
                chain_id=_uint(value["chain_id"], "chain_id", 256),
                contract=_address(value["contract"], "contract"),
                voucher=Voucher.from_json(value["voucher"]),
                signature=signature,
                metadata_cid=_text(value["metadata_cid"], "metadata_cid"),
                image_cid=_text(value["image_cid"], "image_cid"),
            )
        except KeyError as exc:
            raise InputError(f"offer lacks the field {exc.args[0]!r}") from None


def _address(value: Any, what: str) -> str:
    from eth_utils.address import is_address, is_checksum_address

    if not isinstance(value, str) or not is_address(value):
        raise InputError(f"offer: {what} is not an address")
    if value != value.lower() and not is_checksum_address(value):
        raise InputError(f"offer: {what} {value} has a bad EIP-55 checksum")
    return checksum(value)


def _bytes32(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) != 66:
        raise InputError(f"offer: {what} is not 32 bytes of 0x-hex")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise InputError(f"offer: {what} is not 32 bytes of 0x-hex") from None


def _uint(value: Any, what: str, bits: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InputError(f"offer: {what} is not an integer")
    if isinstance(value, str) and not value.isdigit():
        raise InputError(f"offer: {what} is not a decimal integer")
    number = int(value)
    if not 0 <= number < 2**bits:
        raise InputError(f"offer: {what} is out of range for uint{bits}")
    return number


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"offer: {what} is not a string")
    return value


def voucher_typed_data(voucher: Voucher, *, chain_id: int, contract: str) -> dict[str, Any]:
    """The EIP-712 typed data (eth_signTypedData_v4 shape) of a voucher for one deployment."""
    return {
        "types": VOUCHER_TYPES,
        "primaryType": "Voucher",
        "domain": {
            "name": "ProvenanceArt",
            "version": "1",
            "chainId": chain_id,
            "verifyingContract": checksum(contract),
        },
        "message": {
            "signer": voucher.signer,
            "recipient": voucher.recipient,
            "metadataDigest": voucher.metadata_digest,
            "imageDigest": voucher.image_digest,
            "minDonation": voucher.min_donation,
            "deadline": voucher.deadline,
            "id": voucher.id,
        },
    }


def voucher_digest(voucher: Voucher, *, chain_id: int, contract: str) -> bytes:
    """The EIP-712 digest the signer signs (equals the contract's ``hashVoucher``)."""
    from eth_account.messages import encode_typed_data

    signable = encode_typed_data(
        full_message=voucher_typed_data(voucher, chain_id=chain_id, contract=contract)
    )
    return bytes(keccak(b"\x19" + signable.version + signable.header + signable.body))


def recover_signer(offer: Offer) -> str | None:
    """The address whose key made the offer's signature over its voucher, None if unrecoverable."""
    from eth_account import Account
    from eth_account.messages import encode_typed_data
    from eth_keys.exceptions import BadSignature
    from eth_utils.exceptions import ValidationError

    signable = encode_typed_data(
        full_message=voucher_typed_data(
            offer.voucher, chain_id=offer.chain_id, contract=offer.contract
        )
    )
    try:
        return checksum(Account.recover_message(signable, signature=offer.signature))
    except (BadSignature, ValidationError, ValueError, IndexError):  # malformed: all mean "bad"
        return None


# -- offer ---------------------------------------------------------------------------------------


def offers_dir() -> Path:
    return home_dir() / "offers"


def make_offer(
    artwork: Path,
    collection: Collection,
    *,
    min_donation: int,
    recipient: str | None = None,
    expires_in: int | None = None,
    name: str | None = None,
    description: str = "",
    attributes: list[dict[str, Any]] | None = None,
    animation_url: str | None = None,
    external_url: str | None = None,
    now: int | None = None,
) -> Offer:
    """Store the artwork and its metadata (pinned), sign a voucher for them, keep a copy of the
    offer under ``PROVENANCE_HOME/offers/`` (the gallery lists it) and return it."""
    from provenance.artwork import load_artwork
    from provenance.ipfs import add_bytes
    from provenance.mint import AlreadyMinted, parse_donor

    if collection.sender is None:
        raise InputError("an offer needs the artist's signing key")
    if min_donation < 0:
        raise InputError("the minimum donation cannot be negative")
    if expires_in is not None and expires_in <= 0:
        raise InputError("the expiry must be in the future")
    art = load_artwork(artwork)
    to = parse_donor(recipient) if recipient else ZERO_ADDRESS
    contract = collection.contract
    account = collection.sender.account
    signer = checksum(account.address)
    if not contract.is_minter(signer):
        raise ChainError(
            f"account {signer} is not a minter of {contract.address}: its vouchers"
            " would be refused",
            account=signer,
        )
    existing = contract.token_of_image(art.sha256)
    if existing:
        raise AlreadyMinted(existing, art.sha256)
    image = add_bytes(art.data, store=collection.store, params=IMAGE_PROFILE)
    metadata = build_metadata(
        name=name or art.path.stem,
        description=description,
        image_cid=str(image.cid),
        image_sha256=art.sha256,
        mime=art.mime,
        size=art.size,
        width=art.width,
        height=art.height,
        donor=to,
        attributes=attributes or [],
        generator=art.generation,
        animation_url=animation_url,
        external_url=external_url,
    )
    encoded = canonical_json(metadata)
    stored = add_bytes(encoded, store=collection.store, params=IMAGE_PROFILE)
    digest = hashlib.sha256(encoded).digest()
    if str(stored.cid) != raw_cid_for_sha256(digest):
        raise ProvenanceError(f"metadata stored as {stored.cid}, not as a single raw block")
    collection.store.pin(str(image.cid))
    collection.store.pin(str(stored.cid))
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
        metadata_cid=str(stored.cid),
        image_cid=str(image.cid),
    )
    atomic_write(offers_dir() / f"{offer.id_hex}.json", offer.encode())
    return offer


def load_offer(path: Path) -> Offer:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"offer file not found: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise InputError(f"{path} is not JSON") from None
    return Offer.from_json(value)


def saved_offers() -> list[Offer]:
    """The offers this home has made, newest first; unreadable files are skipped."""
    found: list[tuple[float, Offer]] = []
    folder = offers_dir()
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
    collection: Collection,
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
    if bool(contract.call("isVoucherUsed", voucher.id)):
        raise InputError(
            f"offer {offer.id_hex[:18]}... was already redeemed"
            + _redeemed_as(collection, voucher.id)
        )
    latest = int(chain.rpc.get_block("latest")["timestamp"], 16)
    now = max(latest, int(time.time()))
    if voucher.deadline < now:
        raise InputError(f"the offer expired at {_utc(voucher.deadline)}")
    minted = contract.token_of_image(voucher.image_digest)
    if minted:
        raise InputError(f"the offered artwork is already token {minted} of this collection")
    # A voucher naming a recipient may be redeemed by anyone as a gift (the token goes to the
    # recipient, the payer pays), but only the recipient may attach a sealed message: the contract
    # refuses anyone else's (SealedMessageNotFromRecipient), so that nobody can front-run the
    # recipient's redemption and bind their own envelope to the recipient's token.
    if (
        sealed
        and redeemer is not None
        and not voucher.open
        and checksum(redeemer) != voucher.recipient
    ):
        raise InputError(
            f"the offer is for {voucher.recipient}: only they may attach a sealed"
            f" message, and you are {checksum(redeemer)}; redeem it without a"
            " message to give it as a gift"
        )
    return OfferCheck(offer=offer, metadata=_check_content(offer, source))


def erc1271_approves(collection: Collection, wallet: str, digest: bytes, signature: bytes) -> bool:
    """Whether contract ``wallet`` approves ``signature`` over ``digest`` (ERC-1271): its
    ``isValidSignature(bytes32,bytes)`` returns the magic value 0x1626ba7e. A revert, or any other
    answer, means no."""
    from eth_abi.abi import encode

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
    try:
        data = source.cat(expected_cid, max_size=MAX_METADATA_BYTES)
    except ProvenanceError as exc:
        raise VerificationError(
            f"cannot fetch the offer's metadata {expected_cid}: {exc}", check="metadata"
        ) from exc
    if hashlib.sha256(data).digest() != voucher.metadata_digest:
        raise VerificationError(
            "the metadata bytes do not hash to the signed digest", check="metadata"
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
    try:
        from provenance.artwork import MAX_ARTWORK_BYTES  # here: it loads PIL

        image_bytes = source.cat(offer.image_cid, max_size=MAX_ARTWORK_BYTES)
    except ProvenanceError as exc:
        raise VerificationError(
            f"cannot fetch the offer's image {offer.image_cid}: {exc}", check="image"
        ) from exc
    if hashlib.sha256(image_bytes).digest() != voucher.image_digest:
        raise VerificationError(
            "the image bytes do not hash to the signed image digest", check="image"
        )
    return metadata


def _utc(timestamp: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(timestamp))


def _redeemed_as(collection: Collection, voucher_id: bytes) -> str:
    events = collection.contract.events("VoucherRedeemed", topics=["0x" + voucher_id.hex()])
    return f" (token {int(events[0].args['tokenId'])})" if events else ""


# -- redeem --------------------------------------------------------------------------------------


@dataclass
class RedeemResult:
    token_id: int
    tx_hash: str
    donation: int
    owner: str
    sealed: bool
    resumed: bool
    chain_id: int
    contract: str
    metadata_cid: str
    image_cid: str


def _journal_path(collection: Collection, voucher_id: bytes) -> Path:
    return (
        home_dir()
        / "redemptions"
        / f"{collection.chain.chain_id}-{collection.contract.address}-0x{voucher_id.hex()}.json"
    )


def redeem(
    offer: Offer,
    collection: Collection,
    source: ContentSource,
    *,
    message: bytes | None = None,
    donation: int | None = None,
) -> RedeemResult:
    """Check the offer, seal the message to the redeeming account's own key, pay and mint.

    Nothing is sent unless every check passes. The signed transaction is journaled before it is
    broadcast, so re-running after a crash finishes the same redemption.
    """
    if collection.sender is None:
        raise InputError("redeeming needs the donor's account (--account or --private-key-env)")
    sender = collection.sender
    contract = collection.contract
    voucher = offer.voucher
    journal = _journal_path(collection, voucher.id)
    if journal.exists():
        resumed = _resume(journal, offer, collection)
        if resumed is not None:
            return resumed
    value = voucher.min_donation if donation is None else donation
    if value < voucher.min_donation:
        raise InputError(
            f"a donation of {format_wei(value)} is below the offer's minimum of"
            f" {format_wei(voucher.min_donation)}"
        )
    check_offer(offer, collection, source, redeemer=sender.address, sealed=message is not None)
    balance = collection.chain.rpc.get_balance(sender.address)
    if balance < value:
        raise ChainError(
            f"account {sender.address} holds {format_wei(balance)}, less than the"
            f" donation of {format_wei(value)}",
            account=sender.address,
        )
    envelope = b""
    if message is not None:
        from provenance.seal import envelope_bytes, key_from_public_key, seal

        public_key = sender.account._key_obj.public_key.to_hex()  # the redeemer's own key
        key = key_from_public_key(public_key, donor=sender.address)
        envelope = envelope_bytes(seal(message, key))
    data = contract.abi.encode_call("redeem", voucher.as_tuple(), offer.signature, envelope)
    prepared = sender.prepare(
        to=contract.address, data=data, value=value, abi=contract.abi, action="redeem"
    )
    atomic_write(
        journal,
        json.dumps(
            {
                "tx_hash": prepared.hash,
                "raw_tx": "0x" + prepared.raw.hex(),
                "nonce": prepared.nonce,
                "sender": prepared.sender,
                "donation": value,
                "sealed": bool(envelope),
            }
        ).encode(),
        mode=0o600,
    )
    failpoint("redeem-after-sign")
    sender.broadcast(prepared)
    return _confirm(offer, collection, prepared.hash, resumed=False)


def _resume(journal: Path, offer: Offer, collection: Collection) -> RedeemResult | None:
    """Finish a journaled redemption; None when it never reached the chain (start over)."""
    assert collection.sender is not None
    entry = json.loads(journal.read_bytes())
    rpc = collection.chain.rpc
    tx_hash = str(entry["tx_hash"])
    journaled = checksum(str(entry["sender"]))
    known = rpc.get_receipt(tx_hash) is not None or rpc.get_transaction(tx_hash) is not None
    if not known and rpc.transaction_count(journaled, "latest") > int(entry["nonce"]):
        journal.unlink()  # the nonce went to another transaction: ours can never be mined
        return None
    # A live redemption signed by another account: finishing it would spend that account's
    # donation under this one's name, and starting over could redeem the offer twice.
    current = checksum(collection.sender.address)
    if journaled != current:
        raise InputError(
            f"an interrupted redemption of this offer by {journaled} is pending"
            f" (journal {journal}); re-run redeem with that account, not {current}"
        )
    if not known:
        rpc.send_raw_transaction(bytes.fromhex(str(entry["raw_tx"])[2:]))
    return _confirm(offer, collection, tx_hash, resumed=True)


def _confirm(offer: Offer, collection: Collection, tx_hash: str, *, resumed: bool) -> RedeemResult:
    assert collection.sender is not None
    receipt = collection.sender.wait(tx_hash)
    journal = _journal_path(collection, offer.voucher.id)
    if not receipt_succeeded(receipt):
        journal.unlink(missing_ok=True)
        raise ChainError(f"redeem transaction {tx_hash} failed on chain", tx_hash=tx_hash)
    minted = collection.contract.minted_from_receipt(receipt)
    redeemed = [
        e
        for e in (collection.contract.abi.decode_log(log) for log in receipt["logs"])
        if e is not None and e.name == "VoucherRedeemed"
    ]
    journal.unlink(missing_ok=True)
    return RedeemResult(
        token_id=int(minted.args["tokenId"]),
        tx_hash=tx_hash,
        donation=int(redeemed[0].args["donation"]) if redeemed else 0,
        owner=checksum(str(minted.args["to"])),
        sealed=bool(bytes(minted.args["sealedMessage"])),
        resumed=resumed,
        chain_id=collection.chain.chain_id,
        contract=collection.contract.address,
        metadata_cid=offer.metadata_cid,
        image_cid=offer.image_cid,
    )


# -- the ledger and withdrawals ------------------------------------------------------------------


@dataclass(frozen=True)
class Donation:
    token_id: int
    voucher_id: str
    redeemer: str
    amount: int
    block: int
    tx_hash: str


@dataclass
class DonationsReport:
    contract: str
    chain_id: int
    balance: int
    donations: list[Donation]
    withdrawn: int

    @property
    def received(self) -> int:
        return sum(d.amount for d in self.donations)


def donations(collection: Collection) -> DonationsReport:
    """The contract's balance and every donation, from its VoucherRedeemed events."""
    contract = collection.contract
    found = [
        Donation(
            token_id=int(e.args["tokenId"]),
            voucher_id="0x" + bytes(e.args["id"]).hex(),
            redeemer=checksum(str(e.args["redeemer"])),
            amount=int(e.args["donation"]),
            block=int(e.log["blockNumber"], 16),
            tx_hash=str(e.log["transactionHash"]),
        )
        for e in contract.events("VoucherRedeemed")
    ]
    withdrawn = sum(int(e.args["amount"]) for e in contract.events("DonationsWithdrawn"))
    return DonationsReport(
        contract=contract.address,
        chain_id=collection.chain.chain_id,
        balance=collection.chain.rpc.get_balance(contract.address),
        donations=sorted(found, key=lambda d: d.token_id),
        withdrawn=withdrawn,
    )


@dataclass(frozen=True)
class Withdrawal:
    beneficiary: str
    amount: int
    tx_hash: str
    balance_after: int


def withdraw(collection: Collection, beneficiary: str, *, amount: int | None = None) -> Withdrawal:
    """Send donations to ``beneficiary`` (all of them by default); the signer must be the admin."""
    from provenance.mint import parse_donor

    if collection.sender is None:
        raise InputError("withdrawing needs the admin's account")
    to = parse_donor(beneficiary)
    if to == ZERO_ADDRESS:
        raise InputError("refusing to withdraw to the zero address")
    contract = collection.contract
    admin = collection.sender.address
    if not bool(contract.call("hasRole", DEFAULT_ADMIN_ROLE, admin)):
        raise ChainError(f"account {admin} is not the admin of {contract.address}", account=admin)
    balance = collection.chain.rpc.get_balance(contract.address)
    value = balance if amount is None else amount
    if value <= 0:
        raise InputError(
            "there is nothing to withdraw" if balance == 0 else "the amount must be positive"
        )
    if value > balance:
        raise InputError(
            f"the contract holds {format_wei(balance)}, less than the {format_wei(value)} asked for"
        )
    receipt = collection.sender.transact(
        to=contract.address,
        data=contract.abi.encode_call("withdraw", to, value),
        abi=contract.abi,
        action="withdraw",
    )
    return Withdrawal(
        beneficiary=to,
        amount=value,
        tx_hash=str(receipt["transactionHash"]),
        balance_after=collection.chain.rpc.get_balance(contract.address),
    )


# -- units ---------------------------------------------------------------------------------------

_UNITS = {"wei": 1, "gwei": 10**9, "ether": 10**18, "eth": 10**18}
_DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_amount(text: str) -> int:
    """``0.05ether``, ``20gwei``, ``1000wei`` or a bare integer of wei, exactly (no floats)."""
    from decimal import Decimal, InvalidOperation

    raw = text.strip().lower().replace("_", "")
    unit = next((u for u in sorted(_UNITS, key=len, reverse=True) if raw.endswith(u)), None)
    number = raw[: -len(unit)].strip() if unit else raw
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise InputError(
            f"amount {text!r} is not a number with a unit (wei, gwei, ether)"
        ) from None
    if not value.is_finite() or value < 0:
        raise InputError(f"amount {text!r} must be a non-negative number")
    wei = value * _UNITS[unit or "wei"]
    if wei != wei.to_integral_value():
        raise InputError(f"amount {text!r} is not a whole number of wei")
    if wei >= 2**256:
        raise InputError(f"amount {text!r} is too large")
    return int(wei)


def parse_duration(text: str) -> int:
    """``90s``, ``15m``, ``12h``, ``7d``, ``2w`` as seconds (positive)."""
    raw = text.strip().lower()
    if len(raw) < 2 or raw[-1] not in _DURATIONS or not raw[:-1].isdigit():
        raise InputError(f"duration {text!r} is not a number followed by s, m, h, d or w")
    seconds = int(raw[:-1]) * _DURATIONS[raw[-1]]
    if seconds <= 0:
        raise InputError(f"duration {text!r} must be positive")
    return seconds


def format_wei(wei: int) -> str:
    """Exact ether with trailing zeros trimmed, e.g. ``0.05 ETH``."""
    whole, frac = divmod(wei, 10**18)
    text = str(whole) + ("." + f"{frac:018d}".rstrip("0") if frac else "")
    return f"{text} ETH"
