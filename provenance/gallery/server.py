"""``provenance gallery serve``: the site, the IPFS trustless gateway and a read-only RPC proxy on
one origin (loopback unless ``--host`` says otherwise).

``/ipfs/...`` is answered by the embedded gateway (every block verified on its way out) for the
content the collection references, and 404 for anything else in the local store; ``/rpc``
by the read-only JSON-RPC proxy the pages read the chain through; every other path by the rendered
site, re-read from the chain whenever a new block or a new offer appears, so the gallery stays
current without a restart. Pages carry a Content-Security-Policy header that lets only the
gallery's own script file run (not anything under ``/ipfs/``, though it is the same origin), and
no answer may be framed. A request must name the gallery by an IP address, ``localhost`` or the
host it was started with: a DNS-rebinding page, whose own name now resolves to this machine, gets
421 Misdirected Request.
"""

from __future__ import annotations

import ipaddress
import mimetypes
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from provenance.errors import IPFSError, ProvenanceError
from provenance.gallery.framing import no_framing
from provenance.gallery.freshness import LOOK_INTERVAL, SiteVersion
from provenance.gallery.layout import APP_SCRIPT, PageSettings
from provenance.gallery.rpcproxy import MAX_BATCH_BYTES, RpcProxy
from provenance.ipfs.cid import CID
from provenance.ipfs.server import CONTENT_HEADERS, GatewayHandler, GatewayServer

if TYPE_CHECKING:
    from provenance.workflows.session import Session

__all__ = ["RPC_PATH", "GalleryServer", "is_loopback", "is_loopback_url", "make_gallery_server"]

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


def is_loopback_url(url: str) -> bool:
    """Whether a link to ``url`` only works on this machine."""
    return is_loopback(urlsplit(url).hostname or "")


class _Rendered:
    """The site's files, each rendered on its first request and kept (until the next block)."""

    def __init__(self, plan: dict[str, Callable[[], bytes]]) -> None:
        self._plan = plan
        self._done: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, rel: str) -> bytes | None:
        render = self._plan.get(rel)
        if render is None:
            return None
        with self._lock:
            body = self._done.get(rel)
            if body is None:
                body = self._done[rel] = render()
            return body


class _SiteCache:
    """The rendered site, and the content roots the collection references, rebuilt when the chain
    head or the set of offers changes."""

    def __init__(self, collection: Session, *, public_url: str = "") -> None:
        self.collection = collection
        # The address QR codes and wallet-app links name: --public-url, else the collection's
        # stored one, else the address this server listens on (set once it is bound).
        self.public_url = public_url
        self._key: tuple[object, ...] | None = None
        self._files = _Rendered({})
        self._lock = threading.Lock()
        self.listen_url = ""
        self._roots_key: tuple[object, ...] | None = None
        self._roots: frozenset[tuple[int, bytes]] = frozenset()
        self._roots_lock = threading.Lock()
        self._version = SiteVersion(collection)

    def _current_key(self, *, max_age: float = 0.0) -> tuple[object, ...]:
        return self._version.current(max_age=max_age)

    def references(self, cid: CID) -> bool:
        """Whether ``cid`` is a root the collection references: its ERC-7572 document and cover,
        every token's and open offer's metadata, image, animation and models (``publish``'s
        list). Anything else in the local store (drafts, other collections) is not served."""
        return (cid.codec, cid.multihash) in self._roots_at(
            self._current_key(max_age=LOOK_INTERVAL)
        )

    def _roots_at(self, key: tuple[object, ...]) -> frozenset[tuple[int, bytes]]:
        from provenance.workflows.publish import needed

        with self._roots_lock:
            if key != self._roots_key:
                items, _problems = needed(self.collection, self.collection.store)
                roots = set()
                for item in items:
                    try:
                        root = CID.parse(item.cid)
                    except IPFSError:
                        continue
                    roots.add((root.codec, root.multihash))
                self._roots = frozenset(roots)
                self._roots_key = key
            return self._roots

    def _warm_roots(self, key: tuple[object, ...]) -> None:
        """List the roots while the visitor's browser loads the page it was just sent: its first
        image request would otherwise wait for it (a second at 10,000 works)."""
        try:
            self._roots_at(key)
        except ProvenanceError:
            pass  # the request that needs them says so

    def files(self) -> _Rendered:
        """The site as of the chain's head: read from the chain again when the collection's
        logs, its offers or their expiry changed (``_current_key``), each page rendered when
        first asked for."""
        from provenance.gallery.data import collect
        from provenance.gallery.site import site_plan

        key = self._current_key()
        with self._lock:
            if key != self._key:
                data = collect(self.collection, self.collection.store)
                # Same origin: /ipfs/ and the RPC proxy are served here.
                chain = self.collection.chain
                from provenance.gallery.collection_files import published_anchors

                stored = data.info.gallery_url if data.info is not None else None
                settings = PageSettings(
                    rpc_url=RPC_PATH,
                    wallet_rpc_url=chain.rpc.url if chain.is_devnet else "",
                    public_url=self.public_url or stored or self.listen_url,
                    trust_anchors=published_anchors(),
                )
                self._files = _Rendered(site_plan(data, "", settings=settings))
                self._key = key
                threading.Thread(target=self._warm_roots, args=(key,), daemon=True).start()
            return self._files


class GalleryHandler(GatewayHandler):
    server: GalleryServer

    def _host_refused(self) -> bool:
        """Answer 421 to a Host the gallery does not go by: a DNS-rebinding page (a name of the
        attacker's that now resolves to this machine) reaches the socket, but names its own host."""
        if self.server.allows_host(self.headers.get("Host", "")):
            return False
        self.close_connection = True
        self._send(
            HTTPStatus.MISDIRECTED_REQUEST,
            b"this gallery answers to its address, localhost or its --host name only\n",
            "text/plain; charset=utf-8",
        )
        return True

    def do_OPTIONS(self) -> None:
        if not self._host_refused():
            super().do_OPTIONS()

    # Only /ipfs/ content is readable by other origins (it is public, and a static build may use
    # this gallery as its gateway). The RPC proxy and the pages grant no CORS, so another site's
    # page cannot read the proxy's answers or pass a preflight to POST JSON to it.
    def _cors(self) -> None:
        if urlsplit(self.path).path.startswith("/ipfs/"):
            super()._cors()

    # Every /ipfs/ answer (file, listing, block, CAR or error) is sandboxed: this origin is the
    # gallery's, and stored HTML or SVG must not run script in it.
    # And no answer may be framed by another site (provenance.gallery.framing).
    def _ipfs_headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        if urlsplit(self.path).path.startswith("/ipfs/"):
            return no_framing({**(headers or {}), **CONTENT_HEADERS})
        return no_framing(headers or {})

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

    def _redirect(self, target: str) -> None:
        self._send(
            HTTPStatus.MOVED_PERMANENTLY,
            f"see {target}\n".encode(),
            "text/plain; charset=utf-8",
            {"Location": target},
        )

    def do_POST(self) -> None:
        if self._host_refused():
            return
        if urlsplit(self.path).path != RPC_PATH:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BATCH_BYTES:
            self.close_connection = True
            self._send(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"requests are limited to {MAX_BATCH_BYTES} bytes\n".encode(),
                "text/plain; charset=utf-8",
            )
            return
        # A text/plain or form POST is a "simple" request another site's page may send without a
        # preflight; JSON-RPC is application/json, so nothing else is read.
        media_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            self.close_connection = True
            self._send(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                b"the RPC proxy takes application/json requests only\n",
                "text/plain; charset=utf-8",
            )
            return
        answer = self.server.rpc.answer(self.rfile.read(length))
        self._send(HTTPStatus.OK, answer, "application/json", {"Cache-Control": "no-store"})

    def _referenced(self, path: str) -> bool:
        """Whether ``/ipfs/{cid}[/...]`` names content of the collection; answers 404 if not (a
        malformed CID is left to the gateway's own answer)."""
        try:
            root = CID.parse(unquote(path.split("/")[2]))
        except (IPFSError, IndexError):
            return True
        try:
            if self.server.site.references(root):
                return True
        except ProvenanceError as exc:
            self._send(
                HTTPStatus.BAD_GATEWAY,
                f"cannot read the collection: {exc}\n".encode(),
                "text/plain; charset=utf-8",
            )
            return False
        self._send(
            HTTPStatus.NOT_FOUND,
            b"not found: this gallery serves only its collection's content\n",
            "text/plain; charset=utf-8",
        )
        return False

    def _page_policy(self, body: bytes) -> dict[str, str]:
        # Only the gallery's own script file may run, named by its full URL: a script under
        # /ipfs/ on this same origin is not allowed even if some page pointed at it. A page with a
        # live portrait also runs the static/ modules (onnxruntime-web) and WebAssembly.
        host = self.headers.get("Host", "")
        if not _HOST_HEADER.match(host):
            return {"Content-Security-Policy": "script-src 'none'"}
        if b"data-live-portrait" in body or b"data-screen" in body:
            return {
                "Content-Security-Policy": f"script-src http://{host}/static/ 'wasm-unsafe-eval'"
            }
        return {"Content-Security-Policy": f"script-src http://{host}/{APP_SCRIPT}"}

    def _redirect_to_token(self, location: str) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def do_GET(self) -> None:
        if self._host_refused():
            return
        path = urlsplit(self.path).path
        if path.startswith("/ipfs/"):
            if self._referenced(path):
                super().do_GET()
            return
        rel = unquote(path).lstrip("/") or "index.html"
        if rel.endswith("/"):
            rel += "index.html"
        elif rel in ("screen", "key"):  # the screen's and the key page's short addresses
            self._redirect(f"/{rel}/")
            return
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
            from provenance.gallery.token_page import redeemed_offer_page

            token_page = redeemed_offer_page(self.server.site.collection, rel)
            if token_page is not None:  # a redeemed offer's URL (its QR code): the token now
                self._redirect_to_token(token_page)
                return
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
        self,
        address: tuple[str, int],
        collection: Session,
        *,
        verbose: bool,
        public_url: str = "",
        host_names: Iterable[str] = (),
        **limits: Any,
    ) -> None:
        self.site = _SiteCache(collection, public_url=public_url)
        self.rpc = RpcProxy(collection.chain.rpc.url, collection.contract.address)
        public_host = urlsplit(public_url).hostname if public_url else None
        self.host_names = frozenset(
            name.lower().strip("[]") for name in (address[0], public_host, *host_names) if name
        )
        super().__init__(address, collection.store, verbose=verbose, **limits)
        self.RequestHandlerClass: Callable[..., GalleryHandler] = GalleryHandler
        host, port = str(self.server_address[0]), int(self.server_address[1])
        self.site.listen_url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    def allows_host(self, header: str) -> bool:
        """Whether a request's Host header names this gallery: an IP address (a rebinding page
        always names a host name), ``localhost`` or a ``*.localhost`` name, the address it was
        bound to, or one of ``host_names`` (e.g. the host of its public URL)."""
        if not _HOST_HEADER.match(header):
            return False
        # "[v6]:port" or "name:port" (the pattern above allows no other colon)
        name = header[1:].split("]")[0] if header.startswith("[") else header.split(":")[0]
        name = name.lower().rstrip(".")
        if name == "localhost" or name.endswith(".localhost") or name in self.host_names:
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True


def make_gallery_server(
    collection: Session,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    verbose: bool = False,
    public_url: str = "",
    host_names: Iterable[str] = (),
    **limits: Any,
) -> GalleryServer:
    """A gallery bound to ``host:port`` (port 0: any free port); call ``serve_forever``.

    Loopback by default; any other address exposes the gallery (and its read-only proxy) to the
    network, which the CLI says in a line. ``public_url``: the address QR codes and wallet-app
    links name (default: the collection's stored one, else this server's own). Requests must name
    it by an IP address, ``localhost``, ``host``, one of ``host_names`` or the public URL's host
    (421 otherwise: DNS rebinding). ``limits``: ``head_timeout``, ``io_timeout``,
    ``max_connections`` (see ``GatewayServer``).
    """
    try:
        return GalleryServer(
            (host, port),
            collection,
            verbose=verbose,
            public_url=public_url,
            host_names=host_names,
            **limits,
        )
    except OSError as exc:
        raise IPFSError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
