"""Sealed donor messages: envelopes sealed to a donor's own wallet key, and the donor key sources.

Envelopes (``envelope``): ``secp256k1-ecies`` (eciesjs / eciespy format) and
``x25519-xsalsa20-poly1305`` (MetaMask ``eth_decrypt``). Keys (``donor``): from a ``personal_sign``
signature over ``consent_message``, from a transaction, from an explicit public key, or from a
MetaMask encryption public key (which cannot be checked against an address). Wallet-derived keys
(``wallet``): an x25519 key derived from a ``personal_sign`` signature over ``key_message``
(``wallet-signature-v1``), the one a browser wallet can re-derive to read its messages.
"""

from __future__ import annotations

from provenance.seal.donor import (
    consent_message,
    key_from_consent,
    key_from_encryption_key,
    key_from_public_key,
    key_from_signature,
    key_from_transaction,
    signed_consent_text,
)
from provenance.seal.envelope import (
    MAX_MESSAGE_BYTES,
    encryption_public_key,
    envelope_bytes,
    open_envelope,
    open_with_x25519_secret,
    parse_envelope,
    seal,
    validate_envelope,
)
from provenance.seal.keys import ECIES, X25519, DonorKey, address_of, checksum_address
from provenance.seal.wallet import (
    WALLET_KEY,
    StoredEnvelope,
    key_message,
    open_stored,
    parse_stored,
    seal_to_wallet,
    stored_bytes,
    wallet_donor_key,
    wallet_public_key,
    wallet_secret,
    wallet_secret_for,
)

__all__ = [
    "ECIES",
    "MAX_MESSAGE_BYTES",
    "WALLET_KEY",
    "X25519",
    "DonorKey",
    "StoredEnvelope",
    "address_of",
    "checksum_address",
    "consent_message",
    "encryption_public_key",
    "envelope_bytes",
    "key_from_consent",
    "key_from_encryption_key",
    "key_from_public_key",
    "key_from_signature",
    "key_from_transaction",
    "key_message",
    "open_envelope",
    "open_stored",
    "open_with_x25519_secret",
    "parse_envelope",
    "parse_stored",
    "seal",
    "seal_to_wallet",
    "signed_consent_text",
    "stored_bytes",
    "validate_envelope",
    "wallet_donor_key",
    "wallet_public_key",
    "wallet_secret",
    "wallet_secret_for",
]
