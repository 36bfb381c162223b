"""``provenance gallery serve``: the site and the IPFS trustless gateway on one loopback origin.

``/ipfs/...`` is answered by the embedded gateway (every block verified on its way out); every
other path by the rendered site, re-read from the chain whenever a new block or a new offer
appears, so the gallery stays current without a restart.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from provenance.errors import InputError, IPFSError, ProvenanceError
from provenance.ipfs.server import CONTENT_HEADERS, GatewayHandler, GatewayServer

if TYPE_CHECKING:
    from provenance.workflows.context import Collection

__all__ = ["GalleryServer", "make_gallery_server"]


class _SiteCache:
    """The rendered site, rebuilt when the chain head or the set of offers changes."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection
        self._key: tuple[int, int] | None = None
        self._files: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def files(self) -> dict[str, bytes]:
        from provenance.gallery.data import collect
        from provenance.gallery.site import render_site
        from provenance.state.home import home

        folder = home().offers
        offers = len(list(folder.glob("0x*.json"))) if folder.is_dir() else 0
        key = (self.collection.chain.rpc.block_number(), offers)
        with self._lock:
            if key != self._key:
                data = collect(self.collection, self.collection.store)
                self._files = render_site(data, "")  # same origin: /ipfs/ is served here
                self._key = key
            return self._files


class GalleryHandler(GatewayHandler):
    server: GalleryServer

    # Every /ipfs/ answer (file, listing, block, CAR or error) is sandboxed: this origin is the
    # gallery's, and stored HTML or SVG must not run script in it.
    def _ipfs_headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        if urlsplit(self.path).path.startswith("/ipfs/"):
            return {**(headers or {}), **CONTENT_HEADERS}
        return headers or {}

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super()._send(status, body, content_type, self._ipfs_headers(headers))

    def _send_stream(
        self, content_type: str, length: int, chunks: Iterator[bytes], headers: dict[str, str]
    ) -> None:
        super()._send_stream(content_type, length, chunks, self._ipfs_headers(headers))

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/ipfs/"):
            super().do_GET()
            return
        rel = unquote(path).lstrip("/") or "index.html"
        if rel.endswith("/"):
            rel += "index.html"
        try:
            files = self.server.site.files()
        except ProvenanceError as exc:
            self._send(
                HTTPStatus.BAD_GATEWAY,
                f"cannot read the collection: {exc}\n".encode(),
                "text/plain; charset=utf-8",
            )
            return
        body = files.get(rel)
        if body is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
            return
        kind = mimetypes.guess_type(rel)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith(("javascript", "json")):
            kind += "; charset=utf-8"
        self._send(
            HTTPStatus.OK,
            body,
            kind,
            {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )


class GalleryServer(GatewayServer):
    """The gateway's timeouts and connection bound (``provenance.ipfs.httpserver``) hold here too."""

    def __init__(
        self, address: tuple[str, int], collection: Collection, *, verbose: bool, **limits: Any
    ) -> None:
        self.site = _SiteCache(collection)
        super().__init__(address, collection.store, verbose=verbose, **limits)
        self.RequestHandlerClass: Callable[..., GalleryHandler] = GalleryHandler


def make_gallery_server(
    collection: Collection,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    verbose: bool = False,
    **limits: Any,
) -> GalleryServer:
    """A gallery bound to ``host:port`` (port 0: any free port); call ``serve_forever``.
    ``limits``: ``head_timeout``, ``io_timeout``, ``max_connections`` (see ``GatewayServer``)."""
    if host not in ("127.0.0.1", "::1", "localhost"):
        raise InputError(f"the gallery listens on loopback only, not {host!r}")
    try:
        return GalleryServer((host, port), collection, verbose=verbose, **limits)
    except OSError as exc:
        raise IPFSError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
