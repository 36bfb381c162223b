"""Envelope round trips, strict parsing, limits, and tamper detection (property tests)."""

from __future__ import annotations

import base64
import json
import os

import coincurve
import ecies
import nacl.public
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.errors import InputError, SealError
from provenance.seal import (
    ECIES,
    MAX_MESSAGE_BYTES,
    X25519,
    DonorKey,
    encryption_public_key,
    envelope_bytes,
    key_from_encryption_key,
    open_envelope,
    parse_envelope,
    seal,
)

# Messages: any text whose UTF-8 is 1..1024 bytes (non-ASCII, astral planes included).
messages = st.text(min_size=1, max_size=300).filter(
    lambda t: 1 <= len(t.encode("utf-8")) <= MAX_MESSAGE_BYTES
)
secrets = st.binary(min_size=32, max_size=32).filter(
    lambda b: 0 < int.from_bytes(b, "big") < coincurve.utils.GROUP_ORDER_INT
)
schemes = st.sampled_from([ECIES, X25519])


def donor_key(secret: bytes, scheme: str) -> DonorKey:
    if scheme == ECIES:
        point = coincurve.PrivateKey(secret).public_key.format(compressed=False)
        return DonorKey(ECIES, point, None, False, "pubkey")
    return key_from_encryption_key(encryption_public_key(secret))


@settings(max_examples=60, deadline=None)
@given(secret=secrets, text=messages, scheme=schemes)
def test_round_trip(secret: bytes, text: str, scheme: str) -> None:
    envelope = seal(text, donor_key(secret, scheme))
    assert envelope["version"] == scheme
    # Through the canonical on-chain bytes and back.
    parsed = parse_envelope(envelope_bytes(envelope))
    assert open_envelope(parsed, secret) == text.encode("utf-8")


@settings(max_examples=30, deadline=None)
@given(secret=secrets, other=secrets, text=messages, scheme=schemes)
def test_wrong_key_fails_authentication(
    secret: bytes, other: bytes, text: str, scheme: str
) -> None:
    if other == secret:
        return
    envelope = seal(text, donor_key(secret, scheme))
    with pytest.raises(SealError, match="wrong key or tampered"):
        open_envelope(envelope, other)


def _flip(envelope: dict[str, str], field: str, index: int, bit: int) -> dict[str, str]:
    data = bytearray(base64.b64decode(envelope[field]))
    data[index % len(data)] ^= 1 << bit
    return {**envelope, field: base64.b64encode(bytes(data)).decode()}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    secret=secrets,
    text=messages,
    scheme=schemes,
    index=st.integers(min_value=0, max_value=4096),
    bit=st.integers(min_value=0, max_value=7),
    data=st.data(),
)
def test_any_flipped_decoded_byte_fails(
    secret: bytes, text: str, scheme: str, index: int, bit: int, data: st.DataObject
) -> None:
    envelope = seal(text, donor_key(secret, scheme))
    fields = ["ciphertext"] if scheme == ECIES else ["ciphertext", "nonce", "ephemPublicKey"]
    field = data.draw(st.sampled_from(fields))
    with pytest.raises(SealError):
        open_envelope(_flip(envelope, field, index, bit), secret)


@settings(max_examples=80, deadline=None)
@given(secret=secrets, scheme=schemes, index=st.integers(min_value=0), bit=st.integers(0, 7))
def test_any_flipped_canonical_byte_fails(secret: bytes, scheme: str, index: int, bit: int) -> None:
    blob = bytearray(envelope_bytes(seal("a sealed message", donor_key(secret, scheme))))
    blob[index % len(blob)] ^= 1 << bit
    with pytest.raises(SealError):
        open_envelope(parse_envelope(bytes(blob)), secret)


def test_interop_with_eciespy_both_directions() -> None:
    # eciespy with its own defaults: what a donor's Python tool would do.
    secret = coincurve.PrivateKey().secret
    point = coincurve.PublicKey.from_secret(secret).format(compressed=False)
    text = "Grüße, 寄付者 🎨"
    ours = seal(text, DonorKey(ECIES, point, None, False, "pubkey"))
    assert ecies.decrypt(secret, base64.b64decode(ours["ciphertext"])) == text.encode()
    theirs = ecies.encrypt(point, text.encode())
    envelope = {"version": ECIES, "ciphertext": base64.b64encode(theirs).decode()}
    assert open_envelope(envelope, secret) == text.encode()


def test_x25519_interop_with_pynacl_sealed_by_recipient_key() -> None:
    secret = coincurve.PrivateKey().secret
    recipient = nacl.public.PrivateKey(secret)
    envelope = seal(b"hello", key_from_encryption_key(encryption_public_key(secret)))
    box = nacl.public.Box(
        recipient, nacl.public.PublicKey(base64.b64decode(envelope["ephemPublicKey"]))
    )
    opened = box.decrypt(
        base64.b64decode(envelope["ciphertext"]), base64.b64decode(envelope["nonce"])
    )
    assert opened == b"hello"


@pytest.mark.parametrize("message", ["", b"", "x" * 1025, "é" * 513, b"\xff\xfe", "\ud800"])
@pytest.mark.parametrize("scheme", [ECIES, X25519])
def test_message_limits(message: str | bytes, scheme: str) -> None:
    with pytest.raises(InputError):
        seal(message, donor_key(coincurve.PrivateKey().secret, scheme))


@pytest.mark.parametrize("scheme", [ECIES, X25519])
def test_largest_message(scheme: str) -> None:
    secret = coincurve.PrivateKey().secret
    text = "é" * 512  # exactly 1024 bytes
    assert open_envelope(seal(text, donor_key(secret, scheme)), secret) == text.encode()


def _valid(scheme: str) -> dict[str, str]:
    return seal("hi", donor_key(coincurve.PrivateKey().secret, scheme))


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda e: {**e, "version": "secp256k1-ecies-v2"}, "unknown envelope version"),
        (lambda e: {k: v for k, v in e.items() if k != "version"}, "unknown envelope version"),
        (lambda e: {**e, "extra": "1"}, "unexpected extra"),
        (lambda e: {**e, "ciphertext": "not base64!"}, "not valid base64"),
        (
            lambda e: {**e, "ciphertext": base64.b64encode(b"\x04" * 98).decode().rstrip("=")},
            "base64",
        ),
        (lambda e: {**e, "ciphertext": 5}, "base64 string"),
        (lambda e: {**e, "ciphertext": base64.b64encode(b"\x04" * 97).decode()}, "ciphertext is"),
        (
            lambda e: {**e, "ciphertext": base64.b64encode(b"\x02" + b"\x00" * 120).decode()},
            "uncompressed",
        ),
    ],
)
def test_strict_ecies_parsing(mutate: object, match: str) -> None:
    envelope = mutate(_valid(ECIES))  # type: ignore[operator]
    with pytest.raises(SealError, match=match):
        parse_envelope(json.dumps(envelope).encode())


@pytest.mark.parametrize(
    ("field", "length", "match"),
    [
        ("nonce", 23, "nonce is 23"),
        ("ephemPublicKey", 33, "ephemPublicKey is 33"),
        ("ciphertext", 16, "ciphertext is 16"),
    ],
)
def test_strict_x25519_lengths(field: str, length: int, match: str) -> None:
    envelope = {**_valid(X25519), field: base64.b64encode(os.urandom(length)).decode()}
    with pytest.raises(SealError, match=match):
        parse_envelope(json.dumps(envelope).encode())


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"[]",
        b'"x"',
        b"\xff",
        b'{"version": NaN}',
        b'{"version": "secp256k1-ecies", "version": "secp256k1-ecies", "ciphertext": ""}',
    ],
)
def test_parse_rejects_non_envelopes(data: bytes) -> None:
    with pytest.raises(SealError):
        parse_envelope(data)


def test_canonical_bytes_are_jcs() -> None:
    envelope = _valid(X25519)
    blob = envelope_bytes(envelope)
    # RFC 8785: keys sorted, no whitespace.
    assert blob == json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()
    assert envelope_bytes(parse_envelope(json.dumps(envelope, indent=2).encode())) == blob


@pytest.mark.parametrize("bad", [b"", b"\x00" * 32, b"\xff" * 32, b"\x01" * 31])
def test_invalid_private_keys(bad: bytes) -> None:
    with pytest.raises(SealError, match="private key"):
        open_envelope(_valid(ECIES), bad)


def test_equivalent_key_spellings_are_rejected() -> None:
    # Flips that leave the key *mathematically* the same: X25519 ignores the top bit, and
    # libsecp256k1 parses the "hybrid" 0x06/0x07 prefix as the same point. Both must still fail.
    secret = coincurve.PrivateKey().secret
    x_envelope = seal("hi", donor_key(secret, X25519))
    assert (base64.b64decode(x_envelope["ephemPublicKey"])[31] & 0x80) == 0
    with pytest.raises(SealError, match="not canonical"):
        open_envelope(_flip(x_envelope, "ephemPublicKey", 31, 7), secret)
    e_envelope = seal("hi", donor_key(secret, ECIES))
    blob = base64.b64decode(e_envelope["ciphertext"])
    prefix = 0x06 | (blob[64] & 1)  # the hybrid prefix that matches y's parity
    hybrid = base64.b64encode(bytes([prefix]) + blob[1:]).decode()
    with pytest.raises(SealError, match="uncompressed"):
        open_envelope({**e_envelope, "ciphertext": hybrid}, secret)
