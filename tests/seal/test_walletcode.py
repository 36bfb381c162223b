"""The wallet key code (pvk1...): what `mint --donor-wallet-key` accepts and refuses, each refusal
one InputError sentence. The browser side (js/keycode.js) is checked against this decoder in
tests/gallery/test_wallet_gallery.py."""

from __future__ import annotations

import pytest
from bech32 import bech32_encode, convertbits

from provenance.errors import InputError
from provenance.seal.walletcode import decode_key_code, encode_key_code, key_code_tag

DONOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
KEY = bytes(range(32))
BOUND = {"donor": DONOR, "contract": CONTRACT, "chain_id": 31337}


def test_a_code_round_trips_in_any_case_and_with_spaces() -> None:
    code = encode_key_code(KEY, **BOUND)
    assert code.startswith("pvk1") and len(code) == 70
    assert decode_key_code(code, **BOUND) == KEY
    assert decode_key_code(code.upper(), **BOUND) == KEY
    spaced = " ".join(code[i : i + 10] for i in range(0, len(code), 10))
    assert decode_key_code(spaced, **BOUND) == KEY


@pytest.mark.parametrize("position", [4, 20, 40, 69])
def test_one_changed_character_is_refused_as_mistyped(position: int) -> None:
    code = encode_key_code(KEY, **BOUND)
    typo = code[:position] + ("q" if code[position] != "q" else "p") + code[position + 1 :]
    with pytest.raises(InputError, match="mistyped"):
        decode_key_code(typo, **BOUND)


def test_a_code_for_another_donor_collection_or_chain_is_refused() -> None:
    code = encode_key_code(KEY, **BOUND)
    for other in (
        {**BOUND, "donor": OTHER},
        {**BOUND, "chain_id": 1},
        {**BOUND, "contract": OTHER},
    ):
        with pytest.raises(InputError, match="another donor or another collection"):
            decode_key_code(code, **other)


def test_wrong_prefix_length_and_version_are_refused() -> None:
    with pytest.raises(InputError, match="starts with pvk1"):
        decode_key_code("0x" + KEY.hex(), **BOUND)
    short = bech32_encode("pvk", convertbits(list(b"\x01" + KEY), 8, 5) or [])
    with pytest.raises(InputError, match="wrong length"):
        decode_key_code(short, **BOUND)
    payload = b"\x02" + KEY + key_code_tag(**BOUND)
    future = bech32_encode("pvk", convertbits(list(payload), 8, 5) or [])
    with pytest.raises(InputError, match="version 2"):
        decode_key_code(future, **BOUND)
