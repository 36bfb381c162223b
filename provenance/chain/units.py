"""Amounts of ether and durations as users type them, parsed exactly (no floats)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from provenance.errors import InputError

__all__ = ["NO_DEADLINE", "format_wei", "parse_amount", "parse_duration"]

#: A voucher deadline that never passes (the contract's uint64 maximum).
NO_DEADLINE = 2**64 - 1

_UNITS = {"wei": 1, "gwei": 10**9, "ether": 10**18, "eth": 10**18}
_DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_amount(text: str) -> int:
    """``0.05ether``, ``20gwei``, ``1000wei`` or a bare integer of wei, exactly (no floats)."""
    raw = text.strip().lower().replace("_", "")
    unit = next((u for u in sorted(_UNITS, key=len, reverse=True) if raw.endswith(u)), None)
    number = raw[: -len(unit)].strip() if unit else raw
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise InputError(
            f"amount {text!r} is not a number with a unit (wei, gwei, ether)"
        ) from None
    if not value.is_finite() or value < 0:
        raise InputError(f"amount {text!r} must be a non-negative number")
    # Before any arithmetic: an exponent such as 1e999999999 overflows the decimal context (and
    # 1e-999999999 underflows to 0), so amounts far outside uint256 wei are refused by magnitude.
    if value and value.adjusted() > 80:
        raise InputError(f"amount {text!r} is too large")
    if value and value.adjusted() < -40:
        raise InputError(f"amount {text!r} is not a whole number of wei")
    wei = value * _UNITS[unit or "wei"]
    if wei != wei.to_integral_value():
        raise InputError(f"amount {text!r} is not a whole number of wei")
    if wei >= 2**256:
        raise InputError(f"amount {text!r} is too large")
    return int(wei)


def parse_duration(text: str) -> int:
    """``90s``, ``15m``, ``12h``, ``7d``, ``2w`` as seconds (positive)."""
    raw = text.strip().lower()
    if len(raw) < 2 or raw[-1] not in _DURATIONS or not raw[:-1].isdigit():
        raise InputError(f"duration {text!r} is not a number followed by s, m, h, d or w")
    seconds = int(raw[:-1]) * _DURATIONS[raw[-1]]
    if seconds <= 0:
        raise InputError(f"duration {text!r} must be positive")
    return seconds


def format_wei(wei: int) -> str:
    """Exact ether with trailing zeros trimmed, e.g. ``0.05 ETH``."""
    whole, frac = divmod(wei, 10**18)
    text = str(whole) + ("." + f"{frac:018d}".rstrip("0") if frac else "")
    return f"{text} ETH"
