"""The HTTP base every remote service client shares (the chain's JSON-RPC client, Kubo, pinning
services, gateways): one httpx client per service, its base URL, headers and timeout, closed with
the service (``with KuboClient(...) as kubo:``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

import httpx

__all__ = ["HttpService"]


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
    ) -> None:
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
