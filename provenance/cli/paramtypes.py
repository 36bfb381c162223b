"""The parameter types of user values: an address, an amount with its unit, a duration, a CID, a
token. Bad values are usage errors (exit 2) caught while click parses, before anything connects
(as ApeWorX ape's ``cli/paramtype.py``). :mod:`provenance.cli.options` re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from provenance.errors import InputError

if TYPE_CHECKING:
    from provenance.chain.token_id import TokenRef

__all__ = ["ADDRESS", "AMOUNT", "CID", "DURATION", "TOKEN"]


class _Parsed(click.ParamType[Any, Any]):
    """A click type backed by one of the toolkit's parsers (their message is the usage error)."""

    def __init__(self, name: str, parse: Callable[[str, str], Any]) -> None:
        self.name = name
        self._parse = parse

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        what = (param.name or "value").replace("_", " ") if param is not None else "value"
        try:
            return self._parse(value, what)
        except InputError as exc:
            self.fail(exc.message, param, ctx)


def _address(text: str, what: str) -> str:
    from provenance.chain.address import parse_address

    return parse_address(text, what=what if what.endswith("address") else f"{what} address")


def _amount(text: str, _what: str) -> int:
    from provenance.chain.units import parse_amount

    return parse_amount(text)


def _duration(text: str, _what: str) -> int:
    from provenance.chain.units import parse_duration

    return parse_duration(text)


def _cid(text: str, _what: str) -> str:
    from provenance.ipfs.cid import CID

    return str(CID.parse(text))


ADDRESS = _Parsed("0x..", _address)
AMOUNT = _Parsed("AMOUNT", _amount)
DURATION = _Parsed("DURATION", _duration)
CID = _Parsed("CID", _cid)


def _token(text: str, _what: str) -> TokenRef:
    from provenance.chain.token_id import parse_token_ref

    return parse_token_ref(text)


#: A token: a unique hex prefix of a minted token (``3f2a91c0``), or its full id in decimal or
#: 0x hex. The command resolves a prefix against the chain (``ProvenanceArt.resolve_token``).
TOKEN = _Parsed("TOKEN", _token)
