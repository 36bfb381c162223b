"""Token ids (contract v2: the image's sha256): how people see them and what commands accept."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from provenance.chain.token_id import (
    match_prefix,
    parse_token_ref,
    short_token,
    token_hex,
    token_id_of_file,
)
from provenance.errors import InputError

DIGEST = hashlib.sha256(b"an image").digest()
TOKEN = int.from_bytes(DIGEST, "big")
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def test_short_and_full_forms() -> None:
    assert short_token(TOKEN) == DIGEST.hex()[:8]
    assert token_hex(TOKEN) == "0x" + DIGEST.hex()
    assert short_token(5) == "00000000" and token_hex(5) == "0x" + "0" * 63 + "5"


def test_the_file_gives_the_token(tmp_path: Path) -> None:
    (tmp_path / "art.png").write_bytes(b"an image")
    assert token_id_of_file(tmp_path / "art.png") == TOKEN
    with pytest.raises(InputError, match="cannot read"):
        token_id_of_file(tmp_path / "missing.png")


@pytest.mark.parametrize(
    ("given", "full"),
    [
        (str(TOKEN), TOKEN),  # decimal, 77 digits
        ("0x" + DIGEST.hex(), TOKEN),
        ("0X" + DIGEST.hex().upper(), TOKEN),
        (DIGEST.hex(), TOKEN),  # 64 hex digits without 0x
        (" " + str(TOKEN) + " ", TOKEN),
    ],
)
def test_full_ids(given: str, full: int) -> None:
    ref = parse_token_ref(given)
    assert ref.token_id == full and ref.prefix is None
    assert match_prefix(ref, [], contract=CONTRACT) == full  # a full id needs no lookup


@pytest.mark.parametrize(
    ("given", "prefix"),
    [("3f2a91c0", "3f2a91c0"), ("3F2A", "3f2a"), ("0x3f2a", "3f2a"), ("31415926", "31415926")],
)
def test_prefixes(given: str, prefix: str) -> None:
    """A short id may be all decimal digits: under 65 digits it is a hex prefix, not a number."""
    ref = parse_token_ref(given)
    assert ref.prefix == prefix and ref.token_id is None


@pytest.mark.parametrize(
    "given", ["", "0x", "xyz", "3f2g", "0x" + "1" * 65, "1" * 65 + "a", str(2**256)]
)
def test_not_a_token(given: str) -> None:
    with pytest.raises(InputError):
        parse_token_ref(given)


def test_prefix_matching() -> None:
    a = int("3f2a91c0" + "0" * 56, 16)
    b = int("3f2a91c0" + "1" * 56, 16)
    c = int("77" + "2" * 62, 16)
    assert match_prefix(parse_token_ref("77"), [a, b, c], contract=CONTRACT) == c
    assert match_prefix(parse_token_ref("3f2a91c01"), [a, b, c], contract=CONTRACT) == b
    with pytest.raises(InputError, match="no token of .* starts with 99"):
        match_prefix(parse_token_ref("99"), [a, b, c], contract=CONTRACT)
    with pytest.raises(InputError) as caught:
        match_prefix(parse_token_ref("3f2a"), [a, b, c], contract=CONTRACT)
    # Shown with enough digits to tell the candidates apart.
    assert "2 tokens" in caught.value.message and "3f2a91c00, 3f2a91c01" in caught.value.message
