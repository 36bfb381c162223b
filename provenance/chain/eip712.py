"""EIP-712 typed-data hashing for structs of atomic fields (what the voucher is).

``keccak(0x19 0x01 || hashStruct(EIP712Domain, domain) || hashStruct(primaryType, message))``,
with ``hashStruct(T, v) = keccak(typeHash(T) || enc(v.field) ...)`` and each atomic field encoded
as one 32-byte word (EIP-712, "Definition of encodeData"): ``string`` and ``bytes`` as the
keccak of their bytes, ``address`` and ``uintN``/``intN``/``bool`` left-padded, ``bytesN``
right-padded. Structs that reference other structs or arrays are refused (the toolkit signs none).

Why not eth-account's ``encode_typed_data``: importing eth-account costs about 0.7 s per command
(py_ecc's BLS tables) for a few keccaks; ``tests/test_eip712.py`` checks these digests against
eth-account's on random vouchers and random atomic structs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from provenance.chain.address import parse_address
from provenance.chain.keccak import keccak

__all__ = ["encode_type", "hash_struct", "typed_data_digest"]

_INT = re.compile(r"(u?)int(\d+)")
_FIXED_BYTES = re.compile(r"bytes(\d+)")


def encode_type(name: str, fields: Sequence[Mapping[str, str]]) -> bytes:
    """``Name(type1 name1,type2 name2,...)``: the text its type hash is the keccak of."""
    return f"{name}({','.join(f['type'] + ' ' + f['name'] for f in fields)})".encode()


def _word(kind: str, value: Any) -> bytes:
    if kind in ("string", "bytes"):
        data = value.encode() if isinstance(value, str) and kind == "string" else _bytes(value)
        return bytes(keccak(data))
    if kind == "address":
        return bytes(12) + bytes.fromhex(parse_address(str(value))[2:])
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"bool field is {type(value).__name__}")
        return int(value).to_bytes(32, "big")
    if match := _INT.fullmatch(kind):
        bits, signed = int(match.group(2)), not match.group(1)
        number = int(value, 0) if isinstance(value, str) else value
        if isinstance(number, bool) or not isinstance(number, int) or not 8 <= bits <= 256:
            raise ValueError(f"{kind} field is not an integer")
        low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1)) if signed else (0, 2**bits)
        if not low <= number < high:
            raise ValueError(f"{number} does not fit {kind}")
        return (number % 2**256).to_bytes(32, "big")
    if match := _FIXED_BYTES.fullmatch(kind):
        data, size = _bytes(value), int(match.group(1))
        if not 1 <= size <= 32 or len(data) != size:
            raise ValueError(f"{kind} field is {len(data)} bytes")
        return data + bytes(32 - size)
    raise ValueError(f"unsupported EIP-712 field type {kind!r}")


def _bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str) and value.startswith(("0x", "0X")):
        return bytes.fromhex(value[2:])
    raise ValueError("a bytes field is neither bytes nor 0x hex")


def hash_struct(name: str, types: Mapping[str, Sequence[Mapping[str, str]]], value: Any) -> bytes:
    fields = types[name]
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} is not an object")
    words = [bytes(keccak(encode_type(name, fields)))]
    words += [_word(f["type"], value[f["name"]]) for f in fields]
    return bytes(keccak(b"".join(words)))


def typed_data_digest(full_message: Mapping[str, Any]) -> bytes:
    """The 32-byte digest of ``eth_signTypedData_v4`` data (``types``, ``primaryType``,
    ``domain``, ``message``), as eth-account's ``encode_typed_data`` + EIP-191 version 0x01."""
    types = full_message["types"]
    domain = hash_struct("EIP712Domain", types, full_message["domain"])
    message = hash_struct(full_message["primaryType"], types, full_message["message"])
    return bytes(keccak(b"\x19\x01" + domain + message))
