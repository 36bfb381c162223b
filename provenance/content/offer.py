"""The offer file: an artist's EIP-712 voucher, its signature and the content it names.

Safe to publish (a signature and public data only). Every field read from a file is checked here,
once, before anything else looks at it; the voucher's typed data is the contract's ``hashVoucher``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provenance.chain.address import ZERO_ADDRESS, parse_address, to_checksum
from provenance.errors import InputError
from provenance.untrusted import load_json

__all__ = [
    "OFFER_FORMAT",
    "Offer",
    "Voucher",
    "load_offer",
    "recover_signer",
    "voucher_digest",
    "voucher_typed_data",
]

OFFER_FORMAT = "provenance-offer"
OFFER_VERSION = 1
# The contract's EIP-712 domain version: "2" since voucher state is kept per signer.
EIP712_DOMAIN_VERSION = "2"
# An offer file is a few hundred bytes nesting 2 levels; the bounds refuse a hostile one (a
# nesting bomb) before the parser sees it.
MAX_OFFER_BYTES = 64 * 1024
MAX_OFFER_DEPTH = 8
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
    return parse_address(value, what=f"offer: {what}")


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
            "version": EIP712_DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": to_checksum(contract),
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
    from provenance.chain.eip712 import typed_data_digest

    return typed_data_digest(voucher_typed_data(voucher, chain_id=chain_id, contract=contract))


def recover_signer(offer: Offer) -> str | None:
    """The address whose key made the offer's signature over its voucher, None if unrecoverable."""
    from provenance.chain.recovery import recover_address

    digest = voucher_digest(offer.voucher, chain_id=offer.chain_id, contract=offer.contract)
    return recover_address(digest, offer.signature)


def load_offer(path: Path) -> Offer:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"offer file not found: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    value = load_json(
        data, max_bytes=MAX_OFFER_BYTES, max_depth=MAX_OFFER_DEPTH, what=str(path), error=InputError
    )
    return Offer.from_json(value)
