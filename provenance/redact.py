"""Endpoints fit for messages: provider, Kubo, pinning-service and gateway URLs often carry a
credential in the user info, the path or the query, and messages, logs and ``--json`` evidence
must not repeat it. One rule for every layer (chain RPC, Kubo, pinning, gateways)."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

__all__ = ["redact_url", "redact_urls"]


def redact_url(url: str) -> str:
    """Only scheme, host and port are shown; ``/...`` says that something was left out."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # an unparsable port or bracket: show nothing of it
        return "<url>"
    hidden = "/..." if (parts.path not in ("", "/") or parts.query or parts.username) else ""
    return f"{parts.scheme}://{host}{port}{hidden}"


_URL: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def redact_urls(text: str) -> str:
    """``text`` with every URL in it redacted (a library's exception message may quote one)."""
    return _URL.sub(lambda match: redact_url(match.group()), text)
