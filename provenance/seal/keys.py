"""A donor's public key, where it came from and whether it was checked against their address.

Also the address and key parsing every key source shares: a mixed-case address must carry a valid
EIP-55 checksum; a secp256k1 public key must be a point on the curve (coincurve checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import coincurve

from provenance.chain.address import parse_address as checksum_address
from provenance.chain.address import to_checksum
from provenance.chain.keccak import keccak
from provenance.errors import InputError, SealError

__all__ = [
    "ECIES",
    "X25519",
    "DonorKey",
    "Scheme",
    "Source",
    "address_of",
    "checksum_address",
    "parse_public_key",
]

ECIES: Final = "secp256k1-ecies"
X25519: Final = "x25519-xsalsa20-poly1305"

Scheme = Literal["secp256k1-ecies", "x25519-xsalsa20-poly1305"]
Source = Literal["signature", "transaction", "pubkey", "encryption-key", "wallet-signature"]


@dataclass(frozen=True)
class DonorKey:
    """The key a message is sealed to.

    ``public_key`` is the 65-byte uncompressed secp256k1 point for ``secp256k1-ecies`` and the
    32-byte x25519 key for ``x25519-xsalsa20-poly1305``. ``verified`` is true only when the key was
    proven to belong to ``address`` (a secp256k1 key whose address is the donor's); a MetaMask
    encryption key cannot be tied to an address, so it is never verified.
    """

    scheme: Scheme
    public_key: bytes
    address: str | None
    verified: bool
    source: Source

    @property
    def public_key_hex(self) -> str:
        return "0x" + self.public_key.hex()


def address_of(public_key: bytes) -> str:
    """The Ethereum address of a secp256k1 public key (any encoding coincurve accepts)."""
    point = coincurve.PublicKey(public_key).format(compressed=False)
    return to_checksum(bytes(keccak(point[1:])[-20:]))


def parse_public_key(text: str) -> bytes:
    """A secp256k1 public key given as hex (compressed 33 bytes, uncompressed 65, or the bare 64
    bytes Ethereum tools print), returned as the 65-byte uncompressed point."""
    raw = text.strip()
    if raw.startswith(("0x", "0X")):
        raw = raw[2:]
    try:
        data = bytes.fromhex(raw)
    except ValueError as exc:
        raise InputError("the public key is not hex") from exc
    if len(data) == 64:
        data = b"\x04" + data
    if len(data) not in (33, 65):
        raise InputError(
            f"the public key is {len(data)} bytes; expected 33 (compressed), 64 or 65 (uncompressed)"
        )
    try:
        return bytes(coincurve.PublicKey(data).format(compressed=False))
    except (ValueError, TypeError) as exc:
        raise SealError("the public key is not a point on secp256k1") from exc
