"""Sealed donor messages: envelopes sealed to a donor's own wallet key, and the donor key sources.

Envelopes (``envelope``): ``secp256k1-ecies`` (eciesjs / eciespy format) and
``x25519-xsalsa20-poly1305`` (MetaMask ``eth_decrypt``). Keys (``donor``): from a ``personal_sign``
signature over ``consent_message``, from a transaction, from an explicit public key, or from a
MetaMask encryption public key (which cannot be checked against an address).
"""

from __future__ import annotations

from provenance.seal.donor import (
    consent_message,
    key_from_encryption_key,
    key_from_public_key,
    key_from_signature,
    key_from_transaction,
)
from provenance.seal.envelope import (
    MAX_MESSAGE_BYTES,
    encryption_public_key,
    envelope_bytes,
    open_envelope,
    parse_envelope,
    seal,
    validate_envelope,
)
from provenance.seal.keys import ECIES, X25519, DonorKey, address_of, checksum_address

__all__ = [
    "ECIES",
    "MAX_MESSAGE_BYTES",
    "X25519",
    "DonorKey",
    "address_of",
    "checksum_address",
    "consent_message",
    "encryption_public_key",
    "envelope_bytes",
    "key_from_encryption_key",
    "key_from_public_key",
    "key_from_signature",
    "key_from_transaction",
    "open_envelope",
    "parse_envelope",
    "seal",
    "validate_envelope",
]
