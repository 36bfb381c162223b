"""Endpoints fit for messages: provider, Kubo, pinning-service and gateway URLs often carry a
credential in the user info, the path or the query, and messages, logs and ``--json`` evidence
must not repeat it. One rule for every layer (chain RPC, Kubo, pinning, gateways); and one check
that such a URL is usable at all (``http_url``), so a malformed one is bad input, never a crash."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

from provenance.errors import InputError

__all__ = ["http_url", "redact_url", "redact_urls"]


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


def http_url(url: str, what: str) -> str:
    """``url`` when it is an http(s) URL with a host that httpx can send to; otherwise one
    ``InputError`` naming ``what`` (the option) and the redacted URL."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        shown = redact_url(url)
        detail = f" ({shown})" if shown != "<url>" else ""
        raise InputError(f"{what} is not a valid URL{detail}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InputError(f"{what} must be an http(s) URL with a host, got {redact_url(url)}")
    return url
