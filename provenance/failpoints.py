"""Crash injection for the crash-safety tests.

``PROVENANCE_FAILPOINT=<name>`` makes the process die at the named step with no clean-up at all
(``os._exit``), as a power cut or ``kill -9`` would. The workflows name their steps: ``after-store``,
``after-sign``, ``after-send``, ``before-receipt``.
"""

from __future__ import annotations

import os

__all__ = ["failpoint"]


def failpoint(name: str) -> None:
    if os.environ.get("PROVENANCE_FAILPOINT") == name:
        os._exit(137)
