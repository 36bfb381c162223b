"""No page of the gallery may be framed by another site (clickjacking: a hostile page overlays a
gallery page in an invisible frame and steers a visitor's click onto "Give" or "Read the message").

``gallery serve`` sends ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` (for browsers
without CSP level 2) with every answer. A static build cannot say it in a page: browsers ignore
``frame-ancestors`` in a ``<meta>`` policy, so ``gallery build`` writes the headers for the web
server to send, as a ``_headers`` file (the format of Netlify and Cloudflare Pages); any other host
must be told to send the same two headers (docs/security.md).
"""

from __future__ import annotations

from typing import Final

__all__ = ["FRAME_ANCESTORS", "STATIC_HEADERS_FILE", "no_framing", "static_headers"]

FRAME_ANCESTORS: Final = "frame-ancestors 'none'"
STATIC_HEADERS_FILE: Final = "_headers"


def no_framing(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` with framing forbidden: ``frame-ancestors 'none'`` added to the
    Content-Security-Policy (or the whole policy, when there is none) and X-Frame-Options DENY."""
    policy = headers.get("Content-Security-Policy")
    policy = f"{policy}; {FRAME_ANCESTORS}" if policy else FRAME_ANCESTORS
    return {**headers, "Content-Security-Policy": policy, "X-Frame-Options": "DENY"}


def static_headers() -> bytes:
    """The ``_headers`` file of a static build: every path, never framed, never sniffed."""
    lines = [
        "/*",
        f"  Content-Security-Policy: {FRAME_ANCESTORS}",
        "  X-Frame-Options: DENY",
        "  X-Content-Type-Options: nosniff",
    ]
    return ("\n".join(lines) + "\n").encode()
