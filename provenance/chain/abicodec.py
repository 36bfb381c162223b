"""The Solidity ABI's head/tail encoding, for the types a contract binding needs.

Types: ``uint<N>``, ``int<N>``, ``address``, ``bool``, ``bytes<N>``, ``bytes``, ``string``,
fixed and dynamic arrays (``T[k]``, ``T[]``) and tuples (``(T1,T2)``), nested freely. Values are
what eth-abi takes and gives back (addresses decode as lower-case ``0x`` text, arrays and tuples
as tuples), and decoding is as strict as its default: offsets and lengths inside the data,
padding all zeros, booleans 0 or 1, strings valid UTF-8.

Why not eth-abi: it imports eth-utils and pydantic, 0.15-0.3 s that every ``provenance mint``
would pay before doing anything. ``tests/test_abicodec.py`` checks this codec against eth-abi (a
dev dependency) on random values of every type above.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from provenance.errors import AbiDecodingError

__all__ = ["decode", "encode"]

_WORD: Final = 32
_ELEMENTARY: Final = re.compile(r"(uint|int)(\d*)|address|bool|string|bytes(\d*)")


@dataclass(frozen=True)
class _Type:
    """A parsed ABI type: ``base`` elementary name, or tuple ``components``; ``array`` is None,
    -1 (dynamic) or a fixed length, applied to ``item``."""

    base: str = ""
    bits: int = 0  # uintN/intN width, bytesN length (0: dynamic bytes)
    components: tuple[_Type, ...] = ()
    item: _Type | None = None
    length: int | None = None  # arrays: -1 dynamic, k fixed

    @property
    def dynamic(self) -> bool:
        if self.item is not None:
            return self.length == -1 or self.item.dynamic
        if self.base == "tuple":
            return any(c.dynamic for c in self.components)
        return self.base in ("string", "bytes") and self.bits == 0

    @property
    def head_size(self) -> int:
        if self.dynamic:
            return _WORD
        if self.item is not None:
            return (self.length or 0) * self.item.head_size
        if self.base == "tuple":
            return sum(c.head_size for c in self.components)
        return _WORD


def _split_top(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [] if parts == [""] else parts


@functools.cache
def _parse(text: str) -> _Type:
    if text.endswith("]"):
        open_at = text.rindex("[")
        inner, size = text[:open_at], text[open_at + 1 : -1]
        if size and not size.isdigit():
            raise ValueError(f"bad array size in ABI type {text!r}")
        return _Type(item=_parse(inner), length=int(size) if size else -1)
    if text.startswith("("):
        if not text.endswith(")"):
            raise ValueError(f"unbalanced ABI tuple type {text!r}")
        return _Type(base="tuple", components=tuple(_parse(p) for p in _split_top(text[1:-1])))
    match = _ELEMENTARY.fullmatch(text)
    if match is None:
        raise ValueError(f"unsupported ABI type {text!r}")
    if match.group(1):
        bits = int(match.group(2) or 256)
        if not (0 < bits <= 256 and bits % 8 == 0):
            raise ValueError(f"bad integer width in ABI type {text!r}")
        return _Type(base=match.group(1), bits=bits)
    if text.startswith("bytes"):
        length = int(match.group(3) or 0)
        if match.group(3) and not 0 < length <= 32:
            raise ValueError(f"bad ABI type {text!r}")
        return _Type(base="bytes", bits=length)
    return _Type(base=text)


# -- encoding -------------------------------------------------------------------------------------


def _pad_right(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % _WORD)


def _encode_elementary(kind: _Type, value: Any) -> bytes:
    if kind.base in ("uint", "int"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{kind.base}{kind.bits} takes an int, not {type(value).__name__}")
        low = -(1 << (kind.bits - 1)) if kind.base == "int" else 0
        high = (1 << (kind.bits - (kind.base == "int"))) - 1
        if not low <= value <= high:
            raise ValueError(f"{value} does not fit in {kind.base}{kind.bits}")
        return value.to_bytes(_WORD, "big", signed=kind.base == "int")
    if kind.base == "bool":
        if not isinstance(value, bool):
            raise TypeError(f"bool takes a bool, not {type(value).__name__}")
        return int(value).to_bytes(_WORD, "big")
    if kind.base == "address":
        raw = _address_bytes(value)
        return b"\x00" * 12 + raw
    if kind.base == "string":
        if not isinstance(value, str):
            raise TypeError(f"string takes a str, not {type(value).__name__}")
        data = value.encode("utf-8")
        return len(data).to_bytes(_WORD, "big") + _pad_right(data)
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"bytes takes bytes, not {type(value).__name__}")
    data = bytes(value)
    if kind.bits == 0:
        return len(data).to_bytes(_WORD, "big") + _pad_right(data)
    if len(data) > kind.bits:
        raise ValueError(f"{len(data)} bytes do not fit in bytes{kind.bits}")
    return data.ljust(_WORD, b"\x00")


def _address_bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)) and len(value) == 20:
        return bytes(value)
    if isinstance(value, str):
        from provenance.chain.address import parse_address  # checks a mixed-case checksum

        return bytes.fromhex(parse_address(value)[2:])
    raise TypeError(f"address takes 0x text or 20 bytes, not {type(value).__name__}")


def _encode_sequence(kinds: Sequence[_Type], values: Sequence[Any]) -> bytes:
    if len(kinds) != len(values):
        raise ValueError(f"{len(values)} values for {len(kinds)} ABI types")
    heads: list[bytes] = []
    tails: list[bytes] = []
    offset = sum(k.head_size for k in kinds)
    for kind, value in zip(kinds, values, strict=True):
        encoded = _encode(kind, value)
        if kind.dynamic:
            heads.append(offset.to_bytes(_WORD, "big"))
            tails.append(encoded)
            offset += len(encoded)
        else:
            heads.append(encoded)
    return b"".join(heads) + b"".join(tails)


def _encode(kind: _Type, value: Any) -> bytes:
    if kind.item is not None:
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"an ABI array takes a list or tuple, not {type(value).__name__}")
        if kind.length != -1 and len(value) != kind.length:
            raise ValueError(f"{len(value)} items for an array of {kind.length}")
        body = _encode_sequence([kind.item] * len(value), value)
        return (len(value).to_bytes(_WORD, "big") if kind.length == -1 else b"") + body
    if kind.base == "tuple":
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"an ABI tuple takes a list or tuple, not {type(value).__name__}")
        return _encode_sequence(kind.components, value)
    return _encode_elementary(kind, value)


def encode(types: Sequence[str], values: Sequence[Any]) -> bytes:
    """ABI-encode ``values`` as the tuple of ``types`` (what eth-abi's ``encode`` does)."""
    return _encode_sequence([_parse(t) for t in types], values)


# -- decoding -------------------------------------------------------------------------------------


def _word(data: bytes, at: int) -> bytes:
    if at < 0 or at + _WORD > len(data):
        raise AbiDecodingError(f"ABI data too short: needs {at + _WORD} bytes, has {len(data)}")
    return data[at : at + _WORD]


def _uint(data: bytes, at: int) -> int:
    return int.from_bytes(_word(data, at), "big")


def _decode_elementary(kind: _Type, data: bytes, at: int) -> Any:
    word = _word(data, at)
    if kind.base in ("uint", "int"):
        value = int.from_bytes(word, "big", signed=kind.base == "int")
        low = -(1 << (kind.bits - 1)) if kind.base == "int" else 0
        high = (1 << (kind.bits - (kind.base == "int"))) - 1
        if not low <= value <= high:
            raise AbiDecodingError(f"{kind.base}{kind.bits} value has non-zero padding")
        return value
    if kind.base == "bool":
        if word[:31] != bytes(31) or word[31] > 1:
            raise AbiDecodingError("bool value is neither 0 nor 1")
        return word[31] == 1
    if kind.base == "address":
        if word[:12] != bytes(12):
            raise AbiDecodingError("address value has non-zero padding")
        return "0x" + word[12:].hex()
    if kind.bits:  # bytesN
        if word[kind.bits :] != bytes(_WORD - kind.bits):
            raise AbiDecodingError(f"bytes{kind.bits} value has non-zero padding")
        return word[: kind.bits]
    length = _uint(data, at)
    start = at + _WORD
    end = start + length
    if end > len(data):
        raise AbiDecodingError(f"ABI {kind.base} of {length} bytes runs past the data")
    padded_end = end + (-length % _WORD)
    if data[end:padded_end] != bytes(padded_end - end) or padded_end > len(data):
        raise AbiDecodingError(f"ABI {kind.base} has bad padding")
    raw = data[start:end]
    if kind.base == "string":
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise AbiDecodingError("ABI string is not valid UTF-8") from None
    return raw


def _decode_sequence(kinds: Sequence[_Type], data: bytes, base: int) -> tuple[Any, ...]:
    values = []
    at = base
    for kind in kinds:
        if kind.dynamic:
            offset = _uint(data, at)
            if base + offset > len(data):
                raise AbiDecodingError(f"ABI offset {offset} points outside the data")
            values.append(_decode(kind, data, base + offset))
        else:
            values.append(_decode(kind, data, at))
        at += kind.head_size
    return tuple(values)


def _decode(kind: _Type, data: bytes, at: int) -> Any:
    if kind.item is not None:
        if kind.length == -1:
            count = _uint(data, at)
            at += _WORD
            # Each item needs at least one word: a huge count cannot allocate past the data.
            if count * min(max(kind.item.head_size, 1), _WORD) > len(data) - at:
                raise AbiDecodingError(f"ABI array of {count} items runs past the data")
        else:
            count = kind.length or 0
        return _decode_sequence([kind.item] * count, data, at)
    if kind.base == "tuple":
        return _decode_sequence(kind.components, data, at)
    return _decode_elementary(kind, data, at)


def decode(types: Sequence[str], data: bytes) -> tuple[Any, ...]:
    """ABI-decode ``data`` as the tuple of ``types``; :class:`AbiDecodingError` when it is not."""
    return _decode_sequence([_parse(t) for t in types], bytes(data), 0)
