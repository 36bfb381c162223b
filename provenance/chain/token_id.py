"""Token ids: the image's sha256 read as a uint256, shown short, accepted as a unique prefix.

A token id is ``uint256(sha256(image bytes))``, a 77-digit number. People see its first 8 hex
digits (``3f2a91c0``), as git shows commits; a command accepts that prefix when exactly one minted
token starts with it, or the full id in decimal or ``0x`` hex. JSON output carries the full id.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from provenance.errors import InputError

__all__ = [
    "SHORT_DIGITS",
    "TokenRef",
    "file_sha256",
    "match_prefix",
    "parse_token_ref",
    "short_token",
    "token_hex",
    "token_id_of_file",
    "token_id_of_image",
]

SHORT_DIGITS = 8
_HEX = set(string.hexdigits.lower())
_MAX = 2**256 - 1
# A sha256 read as a number has 77 or 78 decimal digits, except with odds of about 1e-13: a shorter
# run of decimal digits is a hex prefix (a short id such as 31415926 is all decimal digits).
_MIN_DECIMAL_DIGITS = 65


def token_hex(token_id: int) -> str:
    """The full id as 0x and 64 hex digits (gallery URLs, --json's ``token_hex``)."""
    return f"0x{token_id:064x}"


def short_token(token_id: int) -> str:
    """The first 8 hex digits of the id, for people."""
    return f"{token_id:064x}"[:SHORT_DIGITS]


def token_id_of_image(image_sha256: bytes) -> int:
    return int.from_bytes(image_sha256, "big")


def file_sha256(path: Path, *, what: str = "") -> bytes:
    """The sha256 of a file, read in 1 MiB blocks (an artwork may be large); ``InputError``
    naming ``what`` and the path when it cannot be read. The toolkit's one streaming hash."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        name = f"{what} {path}" if what else str(path)
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from exc
    return digest.digest()


def token_id_of_file(path: Path) -> int:
    """The token id an image file would have: its sha256 as a number."""
    return token_id_of_image(file_sha256(path))


@dataclass(frozen=True)
class TokenRef:
    """What a user typed for a token: a full id, or a hex prefix still to be matched."""

    text: str
    token_id: int | None = None
    prefix: str | None = None


def parse_token_ref(text: str) -> TokenRef:
    """``3f2a91c0`` (a prefix), ``0x3f2a...`` (64 digits: the id; fewer: a prefix), or the id in
    decimal (65 digits or more)."""
    raw = text.strip().lower()
    digits = raw.removeprefix("0x")
    if raw.startswith("0x") or not raw.isdigit() or len(raw) < _MIN_DECIMAL_DIGITS:
        if not digits or len(digits) > 64 or not set(digits) <= _HEX:
            raise InputError(
                f"{text!r} is not a token id: give its first hex digits (e.g. 3f2a91c0),"
                " or the full id in decimal or 0x hex"
            )
        if len(digits) == 64:
            return TokenRef(text, token_id=int(digits, 16))
        return TokenRef(text, prefix=digits)
    value = int(raw)
    if value > _MAX:
        raise InputError(f"{text!r} is not a token id: larger than 2**256 - 1")
    return TokenRef(text, token_id=value)


def match_prefix(ref: TokenRef, minted: Iterable[int], *, contract: str) -> int:
    """The one minted token whose hex id starts with ``ref.prefix`` (or ``ref``'s full id)."""
    if ref.token_id is not None:
        return ref.token_id
    assert ref.prefix is not None
    found = sorted({t for t in minted if f"{t:064x}".startswith(ref.prefix)})
    if not found:
        raise InputError(f"no token of {contract} starts with {ref.prefix}")
    if len(found) > 1:
        hexes = [f"{t:064x}" for t in found]
        width = SHORT_DIGITS
        while len({h[:width] for h in hexes}) < len(hexes):  # enough digits to tell them apart
            width += 1
        shown = ", ".join(h[:width] for h in hexes[:5])
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        raise InputError(
            f"{ref.prefix} is ambiguous: {len(found)} tokens of {contract} start with it"
            f" ({shown}{more}); give more digits"
        )
    return found[0]
