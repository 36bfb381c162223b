"""Crash-injection seam for the crash-safety tests.

``PROVENANCE_FAILPOINT=<name>`` kills the process at the point named ``name``, with exit status
137 and no cleanup (``os._exit``), exactly as a SIGKILL or a power cut would. Unset (the normal
case), :func:`failpoint` does nothing.

Names in use: ``after-store`` (mint), and the outbox's ``after-sign``, ``after-send``,
``before-receipt``: bare for a mint, prefixed for other actions (``redeem-after-sign``, ...).
"""

from __future__ import annotations

import os

__all__ = ["ENV_VAR", "failpoint"]

ENV_VAR = "PROVENANCE_FAILPOINT"


def failpoint(name: str) -> None:
    """Die here, as a crash would, when ``PROVENANCE_FAILPOINT`` equals ``name``."""
    if os.environ.get(ENV_VAR) == name:
        os._exit(137)
