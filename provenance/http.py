"""The HTTP base every remote service client shares (the chain's JSON-RPC client, Kubo, pinning
services, gateways): one httpx client per service, its base URL, headers and timeout, closed with
the service (``with KuboClient(...) as kubo:``).

A service's answers are untrusted: JSON is parsed with the bounded loader (``answer_json``) and
checked for shape by the caller (``json_object``, ``json_text``), so a list where an object
belongs or JSON nested thousands deep is one ``IPFSError``; text a service sends back is shown
only through ``shown``, which removes the service's credentials (a service that echoes the
bearer token in its error must not get it printed) and control characters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Self

import httpx

from provenance.errors import IPFSError
from provenance.redact import http_url
from provenance.untrusted import load_json, plain_text

__all__ = ["HttpService", "json_object", "json_text"]

MAX_ANSWER_BYTES: Final = 16 * 1024 * 1024
MAX_ANSWER_DEPTH: Final = 16
MAX_SHOWN: Final = 300  # characters of a service's own error text in a message


def json_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise IPFSError(f"{what} is not a JSON object")
    return value


def json_text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise IPFSError(f"{what} is not a string")
    return value


class HttpService:
    """Owns the service's ``httpx.Client``; ``transport`` is the seam for tests (MockTransport)."""

    def __init__(
        self,
        base_url: str = "",
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        follow_redirects: bool = False,
        what: str = "the service URL",
        secrets: Sequence[str] = (),
    ) -> None:
        if base_url:
            http_url(base_url, what)
        # Credentials that must never be shown, longest first (a token inside its header line).
        self._secrets = sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True)
        self._client = httpx.Client(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=timeout,
            transport=transport,
            follow_redirects=follow_redirects,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def shown(self, text: object) -> str:
        """A service's own text, fit for a message: credentials removed, inert, bounded."""
        value = str(text)
        for secret in self._secrets:
            value = value.replace(secret, "[redacted]")
        value = plain_text(value)
        return value if len(value) <= MAX_SHOWN else value[: MAX_SHOWN - 1] + "…"

    @staticmethod
    def answer_json(data: bytes, what: str) -> Any:
        """Parse a service's answer: bounded in size and depth, one ``IPFSError`` if not JSON."""
        return load_json(
            data, max_bytes=MAX_ANSWER_BYTES, max_depth=MAX_ANSWER_DEPTH, what=what, error=IPFSError
        )
