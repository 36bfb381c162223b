"""``provenance gallery serve``: the site, the IPFS trustless gateway and a read-only RPC proxy on
one origin (loopback unless ``--host`` says otherwise).

``/ipfs/...`` is answered by the embedded gateway (every block verified on its way out); ``/rpc``
by the read-only JSON-RPC proxy the pages read the chain through; every other path by the rendered
site, re-read from the chain whenever a new block or a new offer appears, so the gallery stays
current without a restart. Pages carry a Content-Security-Policy header that lets only the
gallery's own script file run (not anything under ``/ipfs/``, though it is the same origin).
"""

from __future__ import annotations

import ipaddress
import mimetypes
import re
import threading
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from provenance.errors import IPFSError, ProvenanceError
from provenance.gallery.rpcproxy import MAX_REQUEST_BYTES, RpcProxy
from provenance.gallery.site import APP_SCRIPT, PageSettings
from provenance.ipfs.server import CONTENT_HEADERS, GatewayHandler, GatewayServer

if TYPE_CHECKING:
    from provenance.workflows.session import Session

__all__ = ["RPC_PATH", "GalleryServer", "is_loopback", "make_gallery_server"]

RPC_PATH = "/rpc"
_HOST_HEADER = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` keeps the gallery on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


class _SiteCache:
    """The rendered site, rebuilt when the chain head or the set of offers changes."""

    def __init__(self, collection: Session) -> None:
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
                # Same origin: /ipfs/ and the RPC proxy are served here.
                chain = self.collection.chain
                settings = PageSettings(
                    rpc_url=RPC_PATH, wallet_rpc_url=chain.rpc.url if chain.is_devnet else ""
                )
                self._files = render_site(data, "", settings=settings)
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

    def do_POST(self) -> None:
        if urlsplit(self.path).path != RPC_PATH:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_REQUEST_BYTES:
            self.close_connection = True
            self._send(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"requests are limited to {MAX_REQUEST_BYTES} bytes\n".encode(),
                "text/plain; charset=utf-8",
            )
            return
        answer = self.server.rpc.answer(self.rfile.read(length))
        self._send(HTTPStatus.OK, answer, "application/json", {"Cache-Control": "no-store"})

    def _page_policy(self, body: bytes) -> dict[str, str]:
        # Only the gallery's own script file may run, named by its full URL: a script under
        # /ipfs/ on this same origin is not allowed even if some page pointed at it. A page with a
        # live portrait also runs the static/ modules (onnxruntime-web) and WebAssembly.
        host = self.headers.get("Host", "")
        if not _HOST_HEADER.match(host):
            return {"Content-Security-Policy": "script-src 'none'"}
        if b"data-live-portrait" in body:
            return {
                "Content-Security-Policy": f"script-src http://{host}/static/ 'wasm-unsafe-eval'"
            }
        return {"Content-Security-Policy": f"script-src http://{host}/{APP_SCRIPT}"}

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
        headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        if kind.startswith("text/html"):
            headers.update(self._page_policy(body))
        self._send(HTTPStatus.OK, body, kind, headers)


class GalleryServer(GatewayServer):
    """The gateway's timeouts and connection bound (``provenance.ipfs.httpserver``) hold here too."""

    def __init__(
        self, address: tuple[str, int], collection: Session, *, verbose: bool, **limits: Any
    ) -> None:
        self.site = _SiteCache(collection)
        self.rpc = RpcProxy(collection.chain.rpc.url, collection.contract.address)
        super().__init__(address, collection.store, verbose=verbose, **limits)
        self.RequestHandlerClass: Callable[..., GalleryHandler] = GalleryHandler


def make_gallery_server(
    collection: Session,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    verbose: bool = False,
    **limits: Any,
) -> GalleryServer:
    """A gallery bound to ``host:port`` (port 0: any free port); call ``serve_forever``.

    Loopback by default; any other address exposes the gallery (and its read-only proxy) to the
    network, which the CLI says in a line. ``limits``: ``head_timeout``, ``io_timeout``,
    ``max_connections`` (see ``GatewayServer``).
    """
    try:
        return GalleryServer((host, port), collection, verbose=verbose, **limits)
    except OSError as exc:
        raise IPFSError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
