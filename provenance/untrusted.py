"""Handling bytes and text that come from a token, a gateway or a file the user did not write.

Two hazards that hash checks do not remove:

- JSON that is valid but hostile: 240 KB of nested ``[]`` makes ``json.loads`` raise
  ``RecursionError`` (or crash the interpreter once a library raised the recursion limit), so size
  and nesting depth are checked by a linear scan *before* anything parses it (``load_json``);
- text that is valid but active: terminal escapes (clear screen, OSC-8 links, cursor moves), bidi
  overrides that reorder what a reader sees, and rich markup (``[/]`` crashes a table). Such text
  is shown only through ``plain_text`` / ``rich_text``, never as a markup string;
- an image that is small but decodes huge (a 656 KB PNG of 13000x13000 RGBA pixels takes 716 MB):
  ``inspect_image`` reads the header and refuses it before any pixel is decoded.
"""

from __future__ import annotations

import io
import json
import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from provenance.errors import ProvenanceError, UntrustedDataError

if TYPE_CHECKING:
    from rich.text import Text

__all__ = [
    "IMAGE_MIME",
    "MAX_IMAGE_PIXELS",
    "ImageFacts",
    "UntrustedDataError",
    "image_mismatches",
    "inspect_image",
    "json_depth",
    "load_json",
    "plain_text",
    "rich_text",
]


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
    unique_keys: bool = False,
) -> Any:
    """Parse untrusted UTF-8 JSON after checking its size and nesting depth.

    Every failure is one ``error`` (default ``UntrustedDataError``) whose message starts with
    ``what``: too large, too deep, not UTF-8, not JSON (NaN and Infinity included), and, with
    ``unique_keys``, an object that repeats a field (parsers disagree on which value wins, so a
    signed or sealed document must not be ambiguous). Nothing it raises is a ``RecursionError``
    or ``MemoryError`` from the parser.
    """

    def no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, value in pairs:
            if name in result:
                raise error(f"{what} repeats the field {name!r}")
            result[name] = value
        return result

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
            text,
            object_pairs_hook=no_repeats if unique_keys else None,
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as exc:
        raise error(f"{what} is not valid JSON: {exc.msg} at position {exc.pos}") from exc
    except (ValueError, RecursionError) as exc:  # a 5000-digit number, NaN; depth is checked
        raise error(f"{what} is not usable JSON: {exc}") from exc


# ESC-introduced sequences: CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ST, the form of
# OSC-8 links and window titles), DCS/SOS/PM/APC strings (ESC P/X/^/_ ... ST), and two-byte ones.
_ESCAPE_SEQUENCE: Final = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?              # CSI
    | [\x1b]\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?    # OSC ... BEL / ST
    | \x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?       # C1 OSC
    | \x9b[0-?]*[ -/]*[@-~]?              # C1 CSI
    | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?          # DCS, SOS, PM, APC
    | [\x90\x98\x9e\x9f][^\x1b\x9c]*(?:\x1b\\|\x9c)?  # the same, C1 form
    | \x1b[ -/]*[0-~]?                    # any other ESC sequence (or a lone ESC)
    """,
    re.VERBOSE,
)
# What remains is removed: C0 controls, DEL, C1 controls, bidi embeddings/overrides/isolates and
# marks (they reorder or hide what a reader sees: "Trojan Source"), line/paragraph separators,
# and the BOM / zero-width no-break space.
_BIDI_AND_SEPARATORS: Final = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff"
_CONTROLS: Final = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_AND_SEPARATORS}]")
_CONTROLS_BUT_NEWLINE: Final = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI_AND_SEPARATORS}]")


def plain_text(value: object, *, newlines: bool = False) -> str:
    """``value`` as inert text for a terminal or a log: escape sequences and control characters
    removed (``\\n`` kept only with ``newlines=True``; a tab becomes a space). Markup-looking text
    such as ``[bold]`` is left as it is; it is inert as long as it is shown through ``rich_text``.
    """
    text = value if isinstance(value, str) else str(value)
    text = _ESCAPE_SEQUENCE.sub("", text.replace("\t", " "))
    if newlines:
        text = text.replace("\r\n", "\n")
        return _CONTROLS_BUT_NEWLINE.sub("", text)
    return _CONTROLS.sub("", text)


def rich_text(value: object, *, style: str = "", newlines: bool = False) -> Text:
    """A ``rich.text.Text`` of ``plain_text(value)``: a table cell or a line that rich never
    parses as markup (``"[/]"`` stays those three characters)."""
    from rich.text import Text

    return Text(plain_text(value, newlines=newlines), style=style)


# The image formats an artwork may have, by Pillow's format name.
IMAGE_MIME: Final = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
# Pillow's own default bound (about 89.5 megapixels, 358 MB as RGBA): what ``mint`` accepts, so
# every mintable artwork stays verifiable.
MAX_IMAGE_PIXELS: Final = 89_478_485


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What an image's own bytes say it is."""

    mime: str
    width: int
    height: int


def inspect_image(
    data: bytes, *, max_pixels: int = MAX_IMAGE_PIXELS, what: str = "the image", decode: bool = True
) -> ImageFacts:
    """The type and size of untrusted image bytes (PNG, JPEG or WebP), refused with one
    ``UntrustedDataError`` when not an image, of another format, truncated, or larger than
    ``max_pixels`` (checked from the header, before a pixel is decoded). With ``decode``, every
    pixel is then decoded, so a truncated or corrupt image fails here rather than later."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check raises past 2x its bound and only warns below; ours is the
            # explicit pixel count below, so its warning is silenced and its error translated.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format or ""
                width, height = image.size
                if fmt not in IMAGE_MIME:
                    raise UntrustedDataError(
                        f"{what} is {fmt or 'of an unknown format'}, not PNG, JPEG or WebP"
                    )
                if width * height > max_pixels:
                    raise UntrustedDataError(
                        f"{what} is {width}x{height} pixels, more than the {max_pixels} allowed"
                    )
                if decode:
                    image.load()
    except Image.DecompressionBombError as exc:  # past twice Pillow's bound: refused at open
        count = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = f"{count.group(1)} pixels" if count else "more pixels than Pillow opens"
        raise UntrustedDataError(
            f"{what} has {pixels}, more than the {max_pixels} allowed"
        ) from exc
    except UnidentifiedImageError as exc:
        raise UntrustedDataError(f"{what} is not an image (PNG, JPEG or WebP)") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UntrustedDataError(f"{what} is not a valid image: {plain_text(exc)}") from exc
    return ImageFacts(IMAGE_MIME[fmt], width, height)


def image_mismatches(facts: ImageFacts, declared: dict[str, Any]) -> list[str]:
    """Each of ``mime``, ``width``, ``height`` that ``declared`` (a metadata record) gets wrong,
    as ``"width: declared 4096, the image has 640"``; empty when all agree. A missing or
    non-integer field is a mismatch too."""
    wrong: list[str] = []
    for field, actual in (("mime", facts.mime), ("width", facts.width), ("height", facts.height)):
        value = declared.get(field)
        same = value == actual and type(value) is type(actual)
        if not same:
            shown = plain_text(repr(value))[:80] if field in declared else "nothing"
            wrong.append(f"{field}: declared {shown}, the image has {actual}")
    return wrong
