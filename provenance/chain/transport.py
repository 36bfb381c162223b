"""How the JSON-RPC client's requests travel: httpx, or the standard library for a node on loopback.

httpx, through the one HTTP base of the remote clients (``provenance.http.HttpService``), is what
the toolkit uses for every remote service (TLS, proxies from the environment, the
``MockTransport`` seam of the unit tests). Importing it costs about 0.13 s of CPU, half of a whole
``provenance mint``, so a node on this machine (the devnet, ``http://127.0.0.1:PORT``) is reached
with ``http.client`` over kept-alive connections instead: plain HTTP to loopback needs no TLS, no
proxy and no redirects. Any other URL (``https://``, another host, credentials in the URL, an
injected transport) goes through httpx, imported then.

Both answer ``(status, body)`` or raise ``ChainUnreachable`` (a ``ChainError``): "RPC METHOD timed out at URL" or "cannot
reach the RPC endpoint URL (what failed)", the URL with any credentials redacted.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from provenance.errors import ChainUnreachable
from provenance.redact import redact_url

if TYPE_CHECKING:
    import httpx

__all__ = ["Poster", "loopback_target", "open_poster", "timed_out", "unreachable"]

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def timed_out(method: str, url: str) -> ChainUnreachable:
    return ChainUnreachable(f"RPC {method} timed out at {redact_url(url)}")


def unreachable(url: str, exc: BaseException) -> ChainUnreachable:
    return ChainUnreachable(
        f"cannot reach the RPC endpoint {redact_url(url)} ({type(exc).__name__})"
    )


class Poster(Protocol):
    def post(self, body: bytes, *, method: str) -> tuple[int, bytes]: ...

    def close(self) -> None: ...


class _Loopback:
    """Kept-alive ``http.client`` connections to a node on this machine, one per thread at a
    time (a batch sends from several threads)."""

    def __init__(
        self, url: str, port: int, path: str, *, timeout: float, headers: Mapping[str, str]
    ) -> None:
        self._url = url
        self._host = str(urlsplit(url).hostname)
        self._port, self._path, self._timeout = port, path, timeout
        self._headers = dict(headers)
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def post(self, body: bytes, *, method: str) -> tuple[int, bytes]:
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        for attempt in range(2):
            reused = connection is not None
            if connection is None:
                connection = http.client.HTTPConnection(
                    self._host, self._port, timeout=self._timeout
                )
            try:
                connection.request("POST", self._path, body, self._headers)
                response = connection.getresponse()
                data = response.read()
            except TimeoutError as exc:
                connection.close()
                raise timed_out(method, self._url) from exc
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                connection = None
                if reused and attempt == 0:  # the node closed an idle connection: once more
                    continue
                raise unreachable(self._url, exc) from exc
            if response.will_close:
                connection.close()
            else:
                with self._lock:
                    self._idle.append(connection)
            return response.status, data
        raise AssertionError("unreachable: the loop returns or raises")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


def loopback_target(url: str) -> tuple[int, str] | None:
    """(port, path) when ``url`` is plain HTTP to this machine with no credentials; else None
    (also for a URL that does not parse: httpx's validation then reports it)."""
    try:
        parts = urlsplit(url)
        port = parts.port or 80
    except ValueError:
        return None
    if (
        parts.scheme != "http"
        or parts.hostname not in _LOOPBACK
        or parts.username is not None
        or parts.password is not None
        or any(c.isspace() or ord(c) < 0x20 for c in url)
    ):
        return None
    return port, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def open_poster(
    url: str,
    *,
    timeout: float,
    transport: httpx.BaseTransport | None = None,
    headers: Mapping[str, str] | None = None,
) -> Poster:
    """The way to post JSON-RPC bodies to ``url`` (see the module docstring for which)."""
    sent = {"Content-Type": "application/json", **(headers or {})}
    target = loopback_target(url) if transport is None else None
    if target is not None:
        port, path = target
        return _Loopback(url, port, path, timeout=timeout, headers=sent)
    from provenance.chain.httpx_poster import HttpxPoster  # imports httpx: only for these URLs

    return HttpxPoster(url, timeout=timeout, transport=transport, headers=sent)
