"""Ethereum addresses: the one validator every command and file format uses.

The rule: ``0x`` then 40 hex digits. All-lowercase and all-uppercase digits carry no checksum and
are accepted, as wallets do; mixed case must be a valid EIP-55 checksum (a mistyped character is
caught instead of sending to the wrong address). The result is always the EIP-55 form.

EIP-55 is computed here from keccak (eth-hash) rather than imported from eth-utils, whose import
(pydantic included) costs more than a whole ``provenance mint`` may; the tests compare both.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Final

from provenance.chain.keccak import keccak
from provenance.errors import InputError

__all__ = ["ZERO_ADDRESS", "parse_address", "to_checksum"]

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
_HEX_ADDRESS: Final = re.compile(r"0[xX][0-9a-fA-F]{40}")


@functools.lru_cache(maxsize=1024)
def _eip55(digits: str) -> str:
    """EIP-55: a hex digit is upper case where the nibble of keccak(lowercase hex) is >= 8.
    Cached: a batch checksums the same few addresses (contract, donors) a few times per work."""
    lower = digits.lower()
    hashed = bytes(keccak(lower.encode("ascii"))).hex()
    return "0x" + "".join(c.upper() if int(h, 16) >= 8 else c for c, h in zip(lower, hashed))


def parse_address(value: Any, *, what: str = "address") -> str:
    """The EIP-55 form of ``value``; raise :class:`InputError` naming ``what`` when it is not an
    address by the rule above."""
    text = value.strip() if isinstance(value, str) else ""
    if not _HEX_ADDRESS.fullmatch(text):
        raise InputError(
            f"{what} {value!r} is not an Ethereum address (a 0x-prefixed 20-byte hex value)"
        )
    digits = text[2:]
    expected = _eip55(digits)
    if digits != digits.lower() and digits != digits.upper() and text != expected:
        raise InputError(
            f"{what} {value!r} has an invalid EIP-55 checksum (expected {expected}; mistyped?)"
        )
    return expected


def to_checksum(address: str | bytes) -> str:
    """The EIP-55 form of an address already known to be one (read from the chain or a journal),
    as hex text or 20 raw bytes."""
    if isinstance(address, (bytes, bytearray)):
        if len(address) != 20:
            raise ValueError("an address is 20 bytes")
        return _eip55(bytes(address).hex())
    if not _HEX_ADDRESS.fullmatch(address):
        raise ValueError(f"{address!r} is not a 20-byte hex address")
    return _eip55(address[2:])
