"""The donor's wallet sealing key as a short, typo-safe code (``pvk1...``): what the key page
(``<gallery>/key/``) shows a donor who has only a browser wallet, and what the artist passes to
``provenance mint --donor-wallet-key CODE``.

Format (docs/sealed-messages.md): Bech32 (BIP-173's checksum and alphabet, human-readable part
``pvk``) of 37 bytes: a version byte (1), the 32-byte X25519 public key (wallet-signature-v1), and a
4-byte tag, the first bytes of SHA-256("provenance/wallet-key-code/v1" || chain id as 8 bytes big
endian || contract (20 bytes) || donor (20 bytes)). 70 characters, case-insensitive, no 1/b/i/o
after the separator; any error in up to 4 characters is detected. The tag binds the code to one
donor in one collection: a code made for another wallet or collection is refused by name.
"""

from __future__ import annotations

import hashlib
from typing import Final

from bech32 import bech32_decode, bech32_encode, convertbits

from provenance.chain.address import parse_address
from provenance.errors import InputError

__all__ = ["CODE_HRP", "CODE_VERSION", "decode_key_code", "encode_key_code", "key_code_tag"]

CODE_HRP: Final = "pvk"
CODE_VERSION: Final = 1
_TAG_DOMAIN: Final = b"provenance/wallet-key-code/v1"
_PAYLOAD_BYTES: Final = 1 + 32 + 4


def key_code_tag(*, donor: str, contract: str, chain_id: int) -> bytes:
    """The 4 bytes binding a code to one donor in one collection."""
    digest = hashlib.sha256(
        _TAG_DOMAIN
        + chain_id.to_bytes(8, "big")
        + bytes.fromhex(parse_address(contract, what="contract")[2:])
        + bytes.fromhex(parse_address(donor, what="donor")[2:])
    ).digest()
    return digest[:4]


def encode_key_code(public_key: bytes, *, donor: str, contract: str, chain_id: int) -> str:
    """The code for a donor's wallet-derived X25519 public key."""
    if len(public_key) != 32:
        raise InputError("a wallet sealing key is 32 bytes")
    payload = (
        bytes([CODE_VERSION])
        + public_key
        + key_code_tag(donor=donor, contract=contract, chain_id=chain_id)
    )
    words = convertbits(list(payload), 8, 5)
    assert words is not None  # 8-to-5 with padding always converts
    return bech32_encode(CODE_HRP, words)


def decode_key_code(code: str, *, donor: str, contract: str, chain_id: int) -> bytes:
    """The X25519 public key in ``code``, checked: well typed, and made for this donor in this
    collection; ``InputError`` in one sentence otherwise."""
    text = "".join(code.split())  # a code read aloud or copied may carry spaces
    if not text.lower().startswith(CODE_HRP + "1"):
        raise InputError(f"a wallet key code starts with {CODE_HRP}1 (from the gallery's key page)")
    hrp, words = bech32_decode(text)
    if hrp != CODE_HRP or words is None:
        raise InputError(
            "the wallet key code is mistyped (its checksum does not match): check it character"
            " by character"
        )
    data = convertbits(words, 5, 8, False)
    if data is None or len(data) != _PAYLOAD_BYTES:
        raise InputError(
            "the wallet key code has the wrong length: copy it again from the key page"
        )
    payload = bytes(data)
    if payload[0] != CODE_VERSION:
        raise InputError(f"wallet key code version {payload[0]} is not known to this toolkit")
    if payload[33:] != key_code_tag(donor=donor, contract=contract, chain_id=chain_id):
        raise InputError(
            "this wallet key code was made for another donor or another collection: the donor"
            f" {parse_address(donor, what='donor')} makes it on this collection's key page"
        )
    return payload[1:33]
