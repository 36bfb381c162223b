"""The one place commands write output: JSON documents, tables, progress notes (through rich).

Text that came from outside (a token's metadata, a gateway, a file) is printed with ``markup`` off
so that it is shown as the plain text it is, never interpreted as console markup.

rich is imported on first use of a console, a table or a line: commands that print plain lines
(``ipfs add`` prints a CID) or one JSON document do not pay its 40-50 ms of start-up.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from provenance.untrusted import rich_text

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

__all__ = [
    "cells",
    "emit_json",
    "err_console",
    "json_dumps_split",
    "line",
    "out_console",
    "plural",
    "progress_printer",
    "table",
]


class _LazyConsole:
    """A ``rich.console.Console`` made (and rich imported) on first use."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


# Piped, rich would lay tables out for 80 columns; as wide as a row needs instead (see ``table``).
out_console = cast(
    "Console",
    _LazyConsole(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 4096),
)
err_console = cast("Console", _LazyConsole(stderr=True, highlight=False, soft_wrap=True))


#: ``--json``: one JSON document on stdout instead of text (every command has it).


def table(title: str, columns: Sequence[str]) -> Table:
    """A table for ``out_console``. Piped, nothing wraps: a hash or CID split over two lines
    cannot be copied or grepped, so each row stays one line however wide."""
    from rich.table import Table

    shown = Table(title=title)
    for column in columns:
        shown.add_column(column, no_wrap=not out_console.is_terminal, overflow="fold")
    return shown


def line(*parts: str | tuple[str, str]) -> Text:
    """One line of output built from parts, none of which rich parses as markup: a ``str`` is
    shown as plain text (escapes and control characters removed), a ``(text, style)`` pair in
    that style. Every line that quotes a token, record, offer, file name or remote answer is
    built this way, never as a markup f-string."""
    from rich.text import Text

    return Text.assemble(
        *[
            rich_text(part) if isinstance(part, str) else rich_text(part[0], style=part[1])
            for part in parts
        ]
    )


def cells(*values: object) -> list[Text]:
    """Table cells shown as plain text (a ``str`` cell would be parsed as markup)."""
    return [rich_text(value) for value in values]


def plural(count: int, noun: str) -> str:
    """``1 token``, ``2 tokens``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def emit_json(value: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")


def json_dumps_split(value: dict[str, Any], *, key: str) -> tuple[str, str]:
    """:func:`emit_json`'s text of ``value``, whose ``key`` holds an empty list, cut inside that
    list: what comes before its items and what comes after, for a caller that writes the items
    itself (indented 4 spaces, separated by ``,\\n``; ``\\n  `` after the last)."""
    text = json.dumps(value, indent=2, sort_keys=True, default=str) + "\n"
    marker = f"{json.dumps(key)}: []"
    at = text.index(marker) + len(marker) - 1
    return text[:at], text[at:]


def progress_printer(enabled: bool) -> Callable[[str], None]:
    """Step-by-step notes on stderr, for a person at a terminal only: piped or scripted runs
    keep stderr for the one-line error."""
    if not enabled or not err_console.is_terminal:
        return lambda _step: None

    @functools.wraps(err_console.print)
    def show(step: str) -> None:
        err_console.print(f"[dim]· {step}[/dim]")

    return show
