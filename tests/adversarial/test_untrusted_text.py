"""Issue 12 item 7 (library part): untrusted text is shown inert. A generation-record field
``"[/]..."`` crashed a rich table (MarkupError, exit 70); terminal escapes from metadata (clear
screen, OSC-8 links) reached stdout."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.errors import MarkupError
from rich.table import Table

from provenance.untrusted import plain_text, rich_text

ESC = "\x1b"
HOSTILE = [
    (f"a{ESC}[2J{ESC}[Hb", "ab"),  # clear screen, cursor home
    (f"{ESC}]8;;https://evil.example/{ESC}\\click{ESC}]8;;{ESC}\\", "click"),  # OSC-8 link
    (f"{ESC}]8;;https://evil.example/\x07click{ESC}]8;;\x07", "click"),  # OSC-8, BEL form
    (f"{ESC}]0;pwned title\x07x", "x"),  # window title
    ("\x9b2Jx\x9d8;;u\x9cy", "xy"),  # the C1 (8-bit) forms of CSI and OSC
    (f"{ESC}P1$r{ESC}\\z", "z"),  # DCS
    (f"{ESC}7{ESC}8{ESC}(0q", "q"),  # two-byte ESC sequences
    ("evil\u202etxt.exe", "eviltxt.exe"),  # right-to-left override
    ("a\u2066b\u2069c\u200fd\u061ce", "abcde"),  # isolates and marks
    ("line1\r\nline2\x00\x07\x08\x7f", "line1line2"),
    ("tab\there", "tab here"),
    ("[/]oops [bold red]x[/bold red]", "[/]oops [bold red]x[/bold red]"),  # inert, kept as text
    ("héllo 世界 🎨", "héllo 世界 🎨"),
]


@pytest.mark.parametrize(("raw", "shown"), HOSTILE)
def test_plain_text_removes_escapes_and_controls(raw: str, shown: str) -> None:
    assert plain_text(raw) == shown


def test_newlines_are_kept_only_when_asked() -> None:
    assert plain_text("a\r\nb\nc\rd", newlines=True) == "a\nb\ncd"
    assert plain_text("a\nb") == "ab"
    assert plain_text(42) == "42"


_ANY = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from([ESC, "[", "]", "\x07", "\\", "\x9b", "\x9d", "\x9c", "\u202e", "\n"]),
    ),
    max_size=60,
)
_FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


@given(_ANY)
def test_nothing_active_survives(raw: str) -> None:
    shown = plain_text(raw)
    assert _FORBIDDEN.search(shown) is None
    assert plain_text(shown) == shown
    kept = plain_text(raw, newlines=True)
    assert _FORBIDDEN.search(kept.replace("\n", "")) is None


def _render(cell: object) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="truecolor", width=200)
    table = Table("field")
    table.add_row(cell)  # type: ignore[arg-type]
    console.print(table)
    return out.getvalue()


def test_rich_text_is_never_parsed_as_markup() -> None:
    hostile = f"[/]x [link=https://evil.example]y[/link] {ESC}]8;;https://evil.example{ESC}\\z"
    with pytest.raises(MarkupError):  # what the CLI did: the value as a markup string
        _render(hostile)
    rendered = _render(rich_text(hostile))
    assert "[/]x [link=https://evil.example]y[/link]" in rendered
    assert "\x1b]8;" not in rendered  # no hyperlink reaches the terminal
    assert rich_text("a\x1b[2Jb", style="bold").plain == "ab"
