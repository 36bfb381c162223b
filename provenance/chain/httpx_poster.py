"""JSON-RPC bodies posted through httpx, on the remote clients' one HTTP base (``HttpService``):
every RPC URL but a node on loopback (see :mod:`provenance.chain.transport`)."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from provenance.chain.transport import timed_out, unreachable
from provenance.http import HttpService

__all__ = ["HttpxPoster"]


class HttpxPoster(HttpService):
    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        transport: httpx.BaseTransport | None,
        headers: Mapping[str, str],
    ) -> None:
        super().__init__(headers=headers, timeout=timeout, transport=transport)
        self._url = url

    def post(self, body: bytes, *, method: str) -> tuple[int, bytes]:
        try:
            response = self._client.post(self._url, content=body)
        except httpx.TimeoutException as exc:
            raise timed_out(method, self._url) from exc
        except httpx.HTTPError as exc:
            raise unreachable(self._url, exc) from exc
        return response.status_code, response.content
