"""Hostile envelopes (issue 12 item 6, library part): whatever a token's metadata or event holds
in place of an envelope, ``validate_envelope`` / ``parse_envelope`` answer one ``SealError``; the
later ``verify`` fix is to run every envelope, wherever it comes from, through them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from provenance.errors import SealError
from provenance.seal import parse_envelope, validate_envelope

GARBAGE: list[Any] = [
    {"version": "secp256k1-ecies", "ciphertext": "not base64!!"},  # the review's example
    {"version": "secp256k1-ecies", "ciphertext": "QUFB"},  # too short for any message
    {"version": "rot13", "ciphertext": "QUFB"},
    {"version": "x25519-xsalsa20-poly1305", "ciphertext": "QUFB"},  # fields missing
    {"version": ["secp256k1-ecies"], "ciphertext": "QUFB"},
    {"version": "secp256k1-ecies", "ciphertext": {"nested": "x"}},
    {"version": "secp256k1-ecies", "ciphertext": "QUFB", "extra": 1},
    "a string envelope",
    ["secp256k1-ecies"],
    None,
    42,
]


@pytest.mark.parametrize("envelope", GARBAGE)
def test_garbage_is_one_seal_error(envelope: Any) -> None:
    with pytest.raises(SealError) as info:
        validate_envelope(envelope)
    assert "\n" not in str(info.value)
    with pytest.raises(SealError):
        parse_envelope(json.dumps(envelope).encode())


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xfe",
        b'{"version": NaN}',
        b'{"version": "secp256k1-ecies", "version": "x"}',
        b"{" + b'"a":{' * 10 + b"}" * 11,
        b'{"ciphertext": "' + b"A" * 9000 + b'"}',
    ],
)
def test_hostile_bytes_are_one_seal_error(data: bytes) -> None:
    with pytest.raises(SealError) as info:
        parse_envelope(data)
    assert "\n" not in str(info.value)
