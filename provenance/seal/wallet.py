"""A donor's sealing key derived from a wallet signature (``wallet-signature-v1``).

No wallet reveals its private key, and MetaMask's ``eth_getEncryptionPublicKey`` / ``eth_decrypt``
are deprecated and refused for hardware accounts. So, as stealth-address wallets (Umbra) do, the
donor signs a fixed, domain-separated *key message* with EIP-191 ``personal_sign`` and the x25519
secret is derived from the signature:

    signed bytes = key_message(...)                      (the printed text minus its final newline)
    secret       = HKDF-SHA256(ikm = r || s, salt = empty, info = "provenance/x25519-key/v1", 32)
    public key   = X25519(secret)                        (tweetnacl's box.keyPair.fromSecretKey)

The envelope is the ``x25519-xsalsa20-poly1305`` format unchanged, so ``@metamask/eth-sig-util``'s
``decrypt`` with ``privateKey = hex(secret)`` opens it. The key only comes back when signatures are
deterministic (RFC 6979: eth-account, MetaMask, Ledger, Trezor).

Where an envelope is stored (the ``sealedMessage`` of a mint event), a field *beside* it names the
key that opens it: ``{"envelope": {...}, "key": "wallet-signature-v1"}`` in RFC 8785 form. A bare
envelope (older tokens) is opened with the donor's Ethereum private key, as before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import nacl.public
import rfc8785

from provenance.chain.signing import LocalSigner, PersonalMessage
from provenance.errors import InputError, SealError
from provenance.seal.envelope import (
    MAX_ENVELOPE_BYTES,
    open_with_x25519_secret,
    seal,
    validate_envelope,
)
from provenance.seal.keys import X25519, DonorKey, checksum_address
from provenance.untrusted import load_json

__all__ = [
    "HKDF_INFO",
    "WALLET_KEY",
    "StoredEnvelope",
    "encode_public_key",
    "hkdf_sha256",
    "key_message",
    "open_stored",
    "parse_stored",
    "seal_to_wallet",
    "stored_bytes",
    "wallet_donor_key",
    "wallet_public_key",
    "wallet_secret",
    "wallet_secret_for",
]

WALLET_KEY: Final = "wallet-signature-v1"
HKDF_INFO: Final = b"provenance/x25519-key/v1"

_STORED_FIELDS: Final = frozenset({"envelope", "key"})


def key_message(*, donor: str, contract: str, chain_id: int) -> str:
    """The text a donor signs (``personal_sign``) to derive their sealing key in one collection.

    Returned without a final newline: these are exactly the signed bytes (UTF-8). It names the
    donor, the collection and the chain, and says in plain words what the signature unlocks, so a
    page of another collection cannot ask for the same signature unnoticed.
    """
    if isinstance(chain_id, bool) or not isinstance(chain_id, int) or chain_id <= 0:
        raise InputError(f"chain id {chain_id!r} must be a positive integer")
    donor_address = checksum_address(donor, what="donor address")
    collection = checksum_address(contract, what="contract address")
    return "\n".join(
        [
            "provenance: unlock my sealed messages",
            "",
            "Signing this message unlocks the messages sealed to me in this collection:",
            "anyone who has this signature can read them. Sign it only on this collection's",
            "own pages. It authorizes no transaction and no transfer.",
            "",
            f"Donor: {donor_address}",
            f"Collection: {collection}",
            f"Chain ID: {chain_id}",
        ]
    )


def wallet_secret(signature: bytes) -> bytes:
    """The 32-byte x25519 secret from a 65-byte ``personal_sign`` signature (r || s || v)."""
    if not isinstance(signature, bytes | bytearray) or len(signature) != 65:
        raise SealError("a personal_sign signature is 65 bytes (r || s || v)")
    return hkdf_sha256(bytes(signature[:64]), salt=b"", info=HKDF_INFO, length=32)


def hkdf_sha256(ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 HKDF with SHA-256 (an empty salt is HashLen zero bytes, as the RFC says).

    Written out (a dozen lines of the standard library) rather than adding a dependency; the tests
    hold it to the RFC's vectors and to @noble/hashes' hkdf.
    """
    if not 0 < length <= 255 * 32:
        raise ValueError("HKDF-SHA256 output length must be 1..8160 bytes")
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    output, block = b"", b""
    for counter in range(1, -(-length // 32) + 1):
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        output += block
    return output[:length]


def wallet_secret_for(account: LocalSigner, *, contract: str, chain_id: int) -> bytes:
    """Sign the key message with a local account (RFC 6979, deterministic) and derive the secret."""
    text = key_message(donor=account.address, contract=contract, chain_id=chain_id)
    signed = account.sign_message(PersonalMessage(text.encode("utf-8")))
    return wallet_secret(bytes(signed.signature))


def wallet_public_key(secret: bytes) -> bytes:
    """X25519(secret): the public key messages are sealed to (32 bytes)."""
    if len(secret) != 32:
        raise SealError("an x25519 secret is 32 bytes")
    return bytes(nacl.public.PrivateKey(bytes(secret)).public_key)


def wallet_donor_key(account: LocalSigner, *, contract: str, chain_id: int) -> DonorKey:
    """The donor's wallet-derived sealing key, derived here from their own account."""
    secret = wallet_secret_for(account, contract=contract, chain_id=chain_id)
    return DonorKey(
        scheme=X25519,
        public_key=wallet_public_key(secret),
        address=checksum_address(account.address),
        verified=True,
        source="wallet-signature",
    )


def stored_bytes(envelope: Mapping[str, Any], *, key: str | None = WALLET_KEY) -> bytes:
    """The stored form: RFC 8785 of ``{"envelope", "key"}``, or the bare envelope when ``key`` is
    None (the donor's Ethereum private key opens it, as for older tokens)."""
    clean = validate_envelope(envelope)
    if key is None:
        return rfc8785.dumps(clean)
    if key != WALLET_KEY:
        raise SealError(f"unknown sealing key kind {key!r} (known: {WALLET_KEY})")
    if clean["version"] != X25519:
        raise SealError(f"a {WALLET_KEY} key opens only {X25519} envelopes")
    return rfc8785.dumps({"envelope": clean, "key": key})


def seal_to_wallet(
    message: bytes | str, account: LocalSigner, *, contract: str, chain_id: int
) -> bytes:
    """Seal ``message`` to ``account``'s wallet-derived key; return the stored bytes (on chain)."""
    key = wallet_donor_key(account, contract=contract, chain_id=chain_id)
    return stored_bytes(seal(message, key))


@dataclass(frozen=True)
class StoredEnvelope:
    """An envelope as stored, and the key that opens it (None: the donor's Ethereum key)."""

    envelope: dict[str, str]
    key: str | None

    def to_bytes(self) -> bytes:
        return stored_bytes(self.envelope, key=self.key)


def parse_stored(data: bytes, *, canonical: bool = False) -> StoredEnvelope:
    """Parse a stored sealed message: ``{"envelope", "key"}`` or a bare envelope.

    With ``canonical``, the bytes must be exactly the RFC 8785 form (what the chain commits to).
    """
    # Bounded before parsing: the bytes come from a mint event or a file anyone may have written.
    value = load_json(
        bytes(data),
        max_bytes=MAX_ENVELOPE_BYTES + 256,  # an envelope, wrapped with its key's name
        max_depth=3,
        what="the sealed message",
        error=SealError,
        unique_keys=True,
    )
    if not isinstance(value, dict):
        raise SealError("a sealed message must be a JSON object")
    if "version" in value:
        stored = StoredEnvelope(envelope=validate_envelope(value), key=None)
    else:
        if set(value) != _STORED_FIELDS:
            raise SealError('a stored sealed message has exactly the fields "envelope" and "key"')
        key = value["key"]
        if key != WALLET_KEY:
            raise SealError(f"unknown sealing key kind {key!r} (known: {WALLET_KEY})")
        envelope = validate_envelope(value["envelope"])
        if envelope["version"] != X25519:
            raise SealError(f"a {WALLET_KEY} key opens only {X25519} envelopes")
        stored = StoredEnvelope(envelope=envelope, key=WALLET_KEY)
    if canonical and stored.to_bytes() != bytes(data):
        raise SealError("the sealed message is not in canonical (RFC 8785) form")
    return stored


def open_stored(
    stored: StoredEnvelope, account: LocalSigner, *, contract: str, chain_id: int
) -> bytes:
    """Open a stored envelope with the key its ``key`` field names, derived from ``account``."""
    from provenance.seal.envelope import open_envelope

    if stored.key == WALLET_KEY:
        secret = wallet_secret_for(account, contract=contract, chain_id=chain_id)
        return open_with_x25519_secret(stored.envelope, secret)
    return open_envelope(stored.envelope, bytes(account.key))


def encode_public_key(public_key: bytes) -> str:
    """Base64, as ``eth_getEncryptionPublicKey`` prints a key."""
    return base64.b64encode(public_key).decode("ascii")
