"""Ethereum addresses: the one validator every command and file format uses.

The rule: ``0x`` then 40 hex digits. All-lowercase and all-uppercase digits carry no checksum and
are accepted, as wallets do; mixed case must be a valid EIP-55 checksum (a mistyped character is
caught instead of sending to the wrong address). The result is always the EIP-55 form.
"""

from __future__ import annotations

from typing import Any

from eth_utils.address import is_checksum_address, is_hex_address, to_checksum_address

from provenance.errors import InputError

__all__ = ["ZERO_ADDRESS", "parse_address", "to_checksum"]

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def parse_address(value: Any, *, what: str = "address") -> str:
    """The EIP-55 form of ``value``; raise :class:`InputError` naming ``what`` when it is not an
    address by the rule above."""
    text = value.strip() if isinstance(value, str) else ""
    if not text.startswith(("0x", "0X")) or not is_hex_address(text):
        raise InputError(
            f"{what} {value!r} is not an Ethereum address (a 0x-prefixed 20-byte hex value)"
        )
    digits = text[2:]
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(text):
        raise InputError(
            f"{what} {value!r} has an invalid EIP-55 checksum (expected {to_checksum_address(text)};"
            " mistyped?)"
        )
    return str(to_checksum_address(text))


def to_checksum(address: str) -> str:
    """The EIP-55 form of an address already known to be one (read from the chain or a journal)."""
    return str(to_checksum_address(address))
