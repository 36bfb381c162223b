"""The toolkit's ABI codec against eth-abi (the reference, a dev dependency here): the same bytes
for random values of every type the contract uses, nested; the same values back; refusals of
malformed data as eth-abi's strict decoder refuses it."""

from __future__ import annotations

from typing import Any

import eth_abi
import pytest
from eth_abi.exceptions import DecodingError
from eth_utils.address import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.chain.abicodec import decode, encode
from provenance.errors import AbiDecodingError

TYPES = [
    "uint256",
    "uint8",
    "uint64",
    "uint96",
    "int256",
    "int8",
    "address",
    "bool",
    "bytes1",
    "bytes4",
    "bytes32",
    "bytes",
    "string",
    "uint256[]",
    "address[]",
    "bytes[]",
    "string[2]",
    "(bytes32,address,uint256,bytes)",
    "(address,bytes32,bytes32,uint256,uint64,bytes32)",
    "(uint8,(bytes,string)[],bool)[]",
]


def values_for(kind: str) -> st.SearchStrategy[Any]:
    if kind.endswith("]"):
        inner, size = kind[: kind.rindex("[")], kind[kind.rindex("[") + 1 : -1]
        items = values_for(inner)
        n = int(size) if size else None
        return st.lists(items, min_size=n or 0, max_size=n if n is not None else 4).map(tuple)
    if kind.startswith("("):
        depth, parts, start = 0, [], 1
        for i, c in enumerate(kind[1:-1], start=1):
            depth += (c == "(") - (c == ")")
            if c == "," and depth == 0:
                parts.append(kind[start:i])
                start = i + 1
        parts.append(kind[start:-1])
        return st.tuples(*(values_for(p) for p in parts))
    if kind.startswith("uint"):
        return st.integers(min_value=0, max_value=(1 << int(kind[4:])) - 1)
    if kind.startswith("int"):
        bits = int(kind[3:])
        return st.integers(min_value=-(1 << (bits - 1)), max_value=(1 << (bits - 1)) - 1)
    if kind == "address":
        return st.binary(min_size=20, max_size=20).map(lambda b: to_checksum_address(b))
    if kind == "bool":
        return st.booleans()
    if kind == "string":
        return st.text(max_size=80)
    if kind == "bytes":
        return st.binary(max_size=80)
    size = int(kind[5:])
    return st.binary(min_size=size, max_size=size)


def _lower(value: Any) -> Any:
    """eth-abi decodes addresses as lower-case text and sequences as tuples."""
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value.lower()
    if isinstance(value, (list, tuple)):
        return tuple(_lower(v) for v in value)
    return value


@st.composite
def typed_values(draw: st.DrawFn) -> tuple[list[str], list[Any]]:
    kinds = draw(st.lists(st.sampled_from(TYPES), min_size=0, max_size=4))
    return kinds, [draw(values_for(k)) for k in kinds]


@settings(max_examples=300, deadline=None)
@given(typed_values())
def test_encoding_and_decoding_match_eth_abi(case: tuple[list[str], list[Any]]) -> None:
    kinds, values = case
    ours = encode(kinds, values)
    assert ours == eth_abi.encode(kinds, values)
    assert decode(kinds, ours) == eth_abi.decode(kinds, ours) == _lower(tuple(values))


@settings(max_examples=300, deadline=None)
@given(typed_values(), st.data())
def test_damaged_data_is_refused_when_eth_abi_refuses_it(
    case: tuple[list[str], list[Any]], data: st.DataObject
) -> None:
    kinds, values = case
    encoded = bytearray(encode(kinds, values))
    if not encoded:
        return
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        at = data.draw(st.integers(min_value=0, max_value=len(encoded) - 1))
        encoded[at] = data.draw(st.integers(min_value=0, max_value=255))
    cut = data.draw(st.integers(min_value=0, max_value=len(encoded)))
    damaged = bytes(encoded[:cut]) if data.draw(st.booleans()) else bytes(encoded)
    try:
        expected = eth_abi.decode(kinds, damaged)
    except (DecodingError, OverflowError, ValueError):
        with pytest.raises(AbiDecodingError):
            decode(kinds, damaged)
        return
    assert decode(kinds, damaged) == expected


def test_a_huge_array_length_is_refused_without_allocating() -> None:
    data = (32).to_bytes(32, "big") + (1 << 255).to_bytes(32, "big")
    with pytest.raises(AbiDecodingError):
        decode(["uint256[]"], data)


def test_values_that_do_not_fit_are_refused_as_eth_abi_refuses_them() -> None:
    for kind, value in [("uint8", 256), ("uint256", -1), ("bytes4", b"12345"), ("bool", 1)]:
        with pytest.raises((TypeError, ValueError)):
            encode([kind], [value])
