"""``provenance ipfs serve``: an IPFS trustless gateway over the embedded blockstore.

Implements the parts of the HTTP gateway specs a gallery and other IPFS clients need
(https://specs.ipfs.tech/http-gateways/trustless-gateway/ and path-gateway):

- ``GET /ipfs/{cid}[/path]?format=raw`` (or ``Accept: application/vnd.ipld.raw``): the block;
- ``?format=car`` (or ``Accept: application/vnd.ipld.car``): a CARv1 with the blocks of the path
  and the whole DAG under it (``dag-scope=all``);
- otherwise the deserialised file with a content type from its name or its first bytes, or a
  directory's ``index.html`` / an HTML listing.

Every block is verified on its way out (the store checks each read), so a corrupted store answers
500 rather than wrong bytes. Responses carry ``Access-Control-Allow-Origin: *`` so a browser page
on another origin can fetch them.
"""

from __future__ import annotations

import html
import mimetypes
import select
import socket
import tempfile
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from provenance.errors import IntegrityError, IPFSError
from provenance.ipfs.blockstore import BlockNotFound, Blockstore
from provenance.ipfs.car import write_car
from provenance.ipfs.cid import CID
from provenance.ipfs.httpserver import (
    DEFAULT_HEAD_TIMEOUT,
    DEFAULT_IO_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    BoundedHTTPServer,
    TimedRequestHandler,
)
from provenance.ipfs.reader import (
    DEFAULT_MAX_CAT_BYTES,
    ContentTooLarge,
    ReadCancelled,
    directory_entries,
    iter_file,
    resolve_path,
    walk_dag,
)

__all__ = ["CONTENT_HEADERS", "GatewayServer", "make_server", "sniff_content_type"]

RAW_TYPE = "application/vnd.ipld.raw"
CAR_TYPE = "application/vnd.ipld.car"
IMMUTABLE = "public, max-age=29030400, immutable"
# Stored content is whatever someone added. Deserialised, stored HTML or SVG would run its scripts
# in the origin that serves it (the gallery serves /ipfs/ on its own origin). `sandbox` gives such
# a document a unique opaque origin with scripts off; nosniff keeps the browser to the declared
# type. Images, media and fetch() readers are unaffected.
CONTENT_HEADERS = {"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"}

_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"\x1aE\xdf\xa3", "video/webm"),
    (b"OggS", "application/ogg"),
    (b"ID3", "audio/mpeg"),
]


def sniff_content_type(head: bytes, name: str = "") -> str:
    """Content type from the file name when it has a known extension, else from its first bytes
    (the order Kubo's gateway uses)."""
    if name:
        guessed, _ = mimetypes.guess_type(name)
        if guessed:
            return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    text = head[:512].lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "text/html; charset=utf-8"
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in text:
        return "image/svg+xml"
    try:
        head[:512].decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the window's end is still text.
        if exc.start < min(len(head), 512) - 3:
            return "application/octet-stream"
    if any(b < 0x09 or 0x0D < b < 0x20 for b in head[:512] if b != 0x1B):
        return "application/octet-stream"
    return "text/plain; charset=utf-8"


class _Reply(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class GatewayHandler(TimedRequestHandler):
    server: GatewayServer
    protocol_version = "HTTP/1.1"
    server_version = "provenance-gateway"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    # -- plumbing -------------------------------------------------------------------------------
    def _cors(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Range, User-Agent, Accept")
        self.send_header(
            "Access-Control-Expose-Headers",
            "Content-Length, Content-Type, X-Ipfs-Path, X-Ipfs-Roots, Etag",
        )

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self._cors()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_stream(
        self, content_type: str, length: int, chunks: Iterator[bytes], headers: dict[str, str]
    ) -> None:
        self.send_response(HTTPStatus.OK)
        self._cors()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        for chunk in chunks:
            self.wfile.write(chunk)

    def _client_gone(self) -> bool:
        """Whether the client closed its end: a long DAG walk for nobody stops (a readable
        socket with nothing to read is a closed one; a pipelined request is not)."""
        poller = select.poll()  # not select.select: it fails on descriptors past 1023
        poller.register(self.connection, select.POLLIN | select.POLLHUP)
        try:
            if not poller.poll(0):
                return False
            peeked: bytes = self.connection.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            return False
        except OSError:
            return True
        return peeked == b""

    def do_OPTIONS(self) -> None:
        self.send_response(HTTPStatus.NO_CONTENT)
        self._cors()
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        try:
            self._route()
        except ReadCancelled:
            self.close_connection = True  # the client left; nobody to answer
        except _Reply as reply:
            self._send(reply.status, (reply.message + "\n").encode(), "text/plain; charset=utf-8")
        except ContentTooLarge as exc:
            self._send(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"{exc}\n".encode(),
                "text/plain; charset=utf-8",
            )
        except BlockNotFound as exc:
            self._send(HTTPStatus.NOT_FOUND, f"{exc}\n".encode(), "text/plain; charset=utf-8")
        except IntegrityError as exc:
            self._send(
                HTTPStatus.INTERNAL_SERVER_ERROR, f"{exc}\n".encode(), "text/plain; charset=utf-8"
            )
        except IPFSError as exc:
            self._send(HTTPStatus.BAD_REQUEST, f"{exc}\n".encode(), "text/plain; charset=utf-8")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- the gateway ----------------------------------------------------------------------------
    def _route(self) -> None:
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/")]
        if len(parts) < 3 or parts[1] != "ipfs" or not parts[2]:
            raise _Reply(HTTPStatus.NOT_FOUND, "not found: only /ipfs/{cid}[/path] is served")
        try:
            root = CID.parse(parts[2])
        except IPFSError as exc:
            raise _Reply(HTTPStatus.BAD_REQUEST, f"invalid CID {parts[2]!r}: {exc}") from exc
        sub_path = "/".join(p for p in parts[3:] if p)
        query = parse_qs(url.query)
        fmt = (query.get("format") or [""])[0]
        accept = self.headers.get("Accept", "")
        if not fmt:
            if RAW_TYPE in accept:
                fmt = "raw"
            elif CAR_TYPE in accept:
                fmt = "car"
        store = self.server.store
        try:
            target = resolve_path(store, root, sub_path) if sub_path else root
        except BlockNotFound:
            raise
        except IPFSError as exc:
            raise _Reply(HTTPStatus.NOT_FOUND, str(exc)) from exc
        ipfs_path = f"/ipfs/{root}" + (f"/{sub_path}" if sub_path else "")
        headers = {"X-Ipfs-Path": ipfs_path, "Cache-Control": IMMUTABLE}
        if fmt == "raw":
            block = store.get_block(target)
            headers["Etag"] = f'"{target}.raw"'
            headers["X-Content-Type-Options"] = "nosniff"
            self._send(HTTPStatus.OK, block, RAW_TYPE, headers)
        elif fmt == "car":
            self._send_car(root, sub_path, target, headers)
        elif fmt:
            raise _Reply(HTTPStatus.BAD_REQUEST, f"unsupported format {fmt!r} (raw or car)")
        else:
            self._send_unixfs(target, sub_path or "", ipfs_path, headers)

    def _send_car(self, root: CID, sub_path: str, target: CID, headers: dict[str, str]) -> None:
        store = self.server.store

        def blocks() -> Iterator[tuple[CID, bytes]]:
            seen: set[bytes] = set()
            current = root
            walked = ""
            # The blocks of the path first, so a client can verify the traversal itself.
            for part in [p for p in sub_path.split("/") if p]:
                seen.add(current.to_bytes())
                yield current, store.get_block(current)
                walked += "/" + part
                current = resolve_path(store, root, walked)
            for cid, data in walk_dag(store, target):
                if cid.to_bytes() not in seen:
                    yield cid, data

        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
            write_car(spool, [root], blocks())  # type: ignore[arg-type]
            length = spool.tell()
            spool.seek(0)
            headers["Etag"] = f'"{target}.car"'
            headers["X-Content-Type-Options"] = "nosniff"
            self._send_stream(
                f"{CAR_TYPE}; version=1", length, iter(lambda: spool.read(1 << 20), b""), headers
            )

    def _send_unixfs(self, target: CID, name: str, ipfs_path: str, headers: dict[str, str]) -> None:
        store = self.server.store
        entries = directory_entries(store, target)
        headers["Etag"] = f'"{target}"'
        headers.update(CONTENT_HEADERS)
        if entries is not None:
            index = next((cid for n, cid, _ in entries if n == "index.html"), None)
            if index is not None:
                self._send_unixfs(index, "index.html", ipfs_path + "/index.html", headers)
                return
            rows = "".join(
                f'<li><a href="{html.escape(ipfs_path)}/{quote(n)}">{html.escape(n)}</a>'
                f" ({size} bytes)</li>"
                for n, _cid, size in entries
            )
            page = f"<!doctype html><title>{html.escape(ipfs_path)}</title><ul>{rows}</ul>\n"
            self._send(HTTPStatus.OK, page.encode(), "text/html; charset=utf-8", headers)
            return
        # Read (and so verify) every block before the status line: a bad block is a 500,
        # never a 200 with wrong bytes.
        length = 0
        head = b""
        limit = self.server.max_file_bytes
        for chunk in iter_file(store, target, max_size=limit, cancelled=self._client_gone):
            if len(head) < 512:
                head += chunk[: 512 - len(head)]
            length += len(chunk)
        content_type = sniff_content_type(head, name.rsplit("/", 1)[-1])
        chunks = iter_file(store, target, max_size=limit, cancelled=self._client_gone)
        self._send_stream(content_type, length, chunks, headers)


class GatewayServer(BoundedHTTPServer):
    def __init__(
        self,
        address: tuple[str, int],
        store: Blockstore,
        *,
        verbose: bool,
        max_file_bytes: int | None = DEFAULT_MAX_CAT_BYTES,
        head_timeout: float = DEFAULT_HEAD_TIMEOUT,
        io_timeout: float = DEFAULT_IO_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        self.store = store
        self.verbose = verbose
        # A file larger than this (or a DAG that expands past it) is refused, not streamed.
        self.max_file_bytes = max_file_bytes
        super().__init__(
            address,
            GatewayHandler,
            head_timeout=head_timeout,
            io_timeout=io_timeout,
            max_connections=max_connections,
        )


def make_server(
    store: Blockstore,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    verbose: bool = False,
    max_file_bytes: int | None = DEFAULT_MAX_CAT_BYTES,
    head_timeout: float = DEFAULT_HEAD_TIMEOUT,
    io_timeout: float = DEFAULT_IO_TIMEOUT,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> GatewayServer:
    """A gateway bound to ``host:port`` (port 0: any free port); call ``serve_forever``.
    Files over ``max_file_bytes`` (``None``: no limit) are answered 413, not served; see
    ``provenance.ipfs.httpserver`` for the timeouts and the connection bound."""
    try:
        return GatewayServer(
            (host, port),
            store,
            verbose=verbose,
            max_file_bytes=max_file_bytes,
            head_timeout=head_timeout,
            io_timeout=io_timeout,
            max_connections=max_connections,
        )
    except OSError as exc:
        raise IPFSError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
