"""Handling bytes and text that come from a token, a gateway or a file the user did not write.

Two hazards that hash checks do not remove:

- JSON that is valid but hostile: 240 KB of nested ``[]`` makes ``json.loads`` raise
  ``RecursionError`` (or crash the interpreter once a library raised the recursion limit), so size
  and nesting depth are checked by a linear scan *before* anything parses it (``load_json``);
- text that is valid but active: terminal escapes (clear screen, OSC-8 links, cursor moves), bidi
  overrides that reorder what a reader sees, and rich markup (``[/]`` crashes a table). Such text
  is shown only through ``plain_text`` / ``rich_text``, never as a markup string.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from provenance.errors import ProvenanceError

__all__ = [
    "UntrustedDataError",
    "json_depth",
    "load_json",
]


class UntrustedDataError(ProvenanceError):
    """Data from outside (a token, a gateway, a file) is too large, too deep or not what it claims."""


# A JSON string: a quote, then anything but a quote or backslash, or an escape pair, then a quote.
# An unterminated string runs to the end (``\Z``), so brackets inside it are not counted either.
_JSON_STRING: Final = re.compile(rb'"(?:[^"\\]|\\.)*(?:"|\Z)', re.DOTALL)
_BRACKET: Final = re.compile(rb"[\[\]{}]")


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in ``data`` (0 for a scalar), by a linear scan of
    the brackets outside strings; for valid JSON, what a recursive walk of ``json.loads`` finds.
    Unbalanced input gives some number; the parser refuses it afterwards."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub(b'""', data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(
    data: bytes,
    *,
    max_bytes: int,
    max_depth: int,
    what: str = "the JSON",
    error: type[ProvenanceError] = UntrustedDataError,
    object_pairs_hook: Any = None,
) -> Any:
    """Parse untrusted UTF-8 JSON after checking its size and nesting depth.

    Every failure is one ``error`` (default ``UntrustedDataError``) whose message starts with
    ``what``: too large, too deep, not UTF-8, not JSON (NaN and Infinity included). Nothing it
    raises is a ``RecursionError`` or ``MemoryError`` from the parser.
    """
    raw = bytes(data)
    if len(raw) > max_bytes:
        raise error(f"{what} is {len(raw)} bytes, more than the {max_bytes} allowed")
    depth = json_depth(raw)
    if depth > max_depth:
        raise error(f"{what} nests {depth} levels deep, more than the {max_depth} allowed")
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise error(f"{what} is not UTF-8 text") from exc
    try:
        return json.loads(
            text, object_pairs_hook=object_pairs_hook, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise error(f"{what} is not valid JSON: {exc.msg} at position {exc.pos}") from exc
    except (ValueError, RecursionError) as exc:  # a 5000-digit number, NaN; depth is checked
        raise error(f"{what} is not usable JSON: {exc}") from exc
