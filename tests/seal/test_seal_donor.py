"""Donor key sources: the consent message, signatures, explicit keys, MetaMask encryption keys."""

from __future__ import annotations

import base64

import coincurve
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from provenance.errors import InputError, SealError
from provenance.seal import (
    consent_message,
    key_from_encryption_key,
    key_from_public_key,
    key_from_signature,
)

DONOR = Account.create()
CONTRACT = Account.create().address


def _point(account: object, *, compressed: bool) -> bytes:
    return bytes(coincurve.PublicKey.from_secret(bytes(account.key)).format(compressed))  # type: ignore[attr-defined]


def test_consent_message_names_everything() -> None:
    text = consent_message(
        donor=DONOR.address.lower(),
        chain_id=10,
        contract=CONTRACT.lower(),
        artwork_sha256="AB" * 32,
    )
    assert f"Donor: {DONOR.address}" in text
    assert f"Contract: {CONTRACT}" in text
    assert "Chain ID: 10" in text
    assert "Artwork SHA-256: " + "ab" * 32 in text
    assert "authorizes no transaction" in text
    without = consent_message(donor=DONOR.address, chain_id=10, contract=CONTRACT)
    assert "Artwork" not in without


def test_signature_cannot_be_replayed_for_another_work() -> None:
    signed = consent_message(
        donor=DONOR.address, chain_id=1, contract=CONTRACT, artwork_sha256="11" * 32
    )
    signature = DONOR.sign_message(encode_defunct(text=signed)).signature.to_0x_hex()
    assert key_from_signature(donor=DONOR.address, message=signed, signature=signature).verified
    replayed = consent_message(
        donor=DONOR.address, chain_id=1, contract=CONTRACT, artwork_sha256="22" * 32
    )
    with pytest.raises(SealError, match=f"not by the donor {DONOR.address}"):
        key_from_signature(donor=DONOR.address, message=replayed, signature=signature)


def test_signature_from_another_address_names_both() -> None:
    other = Account.create()
    text = consent_message(donor=DONOR.address, chain_id=1, contract=CONTRACT)
    signature = other.sign_message(encode_defunct(text=text)).signature.to_0x_hex()
    with pytest.raises(SealError) as caught:
        key_from_signature(donor=DONOR.address, message=text, signature=signature)
    assert other.address in str(caught.value) and DONOR.address in str(caught.value)


@pytest.mark.parametrize("form", ["compressed", "uncompressed", "bare64"])
def test_explicit_public_key_forms(form: str) -> None:
    full = _point(DONOR, compressed=False)
    given = {
        "compressed": _point(DONOR, compressed=True).hex(),
        "uncompressed": "0x" + full.hex(),
        "bare64": full[1:].hex(),
    }[form]
    key = key_from_public_key(given, donor=DONOR.address)
    assert key.public_key == full and key.verified and key.source == "pubkey"
    with pytest.raises(SealError, match="not to the donor"):
        key_from_public_key(given, donor=Account.create().address)


def test_encryption_key_is_never_verified() -> None:
    raw = bytes(range(32))
    key = key_from_encryption_key(base64.b64encode(raw).decode(), donor=DONOR.address)
    assert key.public_key == raw and key.verified is False and key.source == "encryption-key"
    assert key.address == DONOR.address


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"chain_id": 0}, "positive"),
        ({"artwork_sha256": "abc"}, "64 hex"),
        ({"contract": "0x1234"}, "contract address"),
        ({"donor": "not an address"}, "donor address"),
    ],
)
def test_consent_message_bad_input(kwargs: dict[str, object], match: str) -> None:
    base: dict[str, object] = {"donor": DONOR.address, "chain_id": 1, "contract": CONTRACT}
    with pytest.raises(InputError, match=match):
        consent_message(**{**base, **kwargs})  # type: ignore[arg-type]
