"""Issue 12 item 4: ``ipfs serve`` and ``gallery serve`` never timed out idle or slow connections
(300 half-sent requests held 301 threads after 60 s). Hostile clients here are bounded in count
and time and talk to loopback only."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from provenance.gallery.server import make_gallery_server
from provenance.ipfs import Blockstore, add_bytes
from provenance.ipfs.server import GatewayServer, make_server

from ..helpers import serving

HEAD_TIMEOUT = 1.0
MAX_CONNECTIONS = 8
SLOW_CLIENTS = 20


def _gateway(store: Blockstore) -> GatewayServer:
    return make_server(
        store, head_timeout=HEAD_TIMEOUT, io_timeout=2.0, max_connections=MAX_CONNECTIONS
    )


def _gallery(store: Blockstore) -> GatewayServer:
    # Only /ipfs/ is asked for here, which the gallery answers from the store without the chain
    # (every CID counts as the collection's: which ones do is tests/gallery/
    # test_gallery_security.py's business). The RPC proxy is built from the chain's URL and the
    # contract's address but never called.
    collection = SimpleNamespace(
        store=store,
        chain=SimpleNamespace(rpc=SimpleNamespace(url="http://127.0.0.1:9")),
        contract=SimpleNamespace(address="0x" + "00" * 20),
    )
    server = make_gallery_server(
        collection,  # type: ignore[arg-type]
        head_timeout=HEAD_TIMEOUT,
        io_timeout=2.0,
        max_connections=MAX_CONNECTIONS,
    )
    server.site.references = lambda cid: True  # type: ignore[method-assign]
    return server


@pytest.fixture(params=[_gateway, _gallery], ids=["ipfs-serve", "gallery-serve"])
def served(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[GatewayServer, str, str]]:
    store = Blockstore.open(tmp_path / "blocks", fsync=False)
    cid = str(add_bytes(b"hello, slow world\n", store=store).cid)
    factory: Callable[[Blockstore], GatewayServer] = request.param
    server = factory(store)
    with serving(server) as url:
        yield server, url, cid


def _wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _connect(server: GatewayServer) -> socket.socket:
    host, port = server.server_address[:2]
    return socket.create_connection((str(host), int(port)), timeout=5)


def test_half_sent_requests_are_dropped_and_the_excess_refused(
    served: tuple[GatewayServer, str, str],
) -> None:
    server, base, cid = served
    threads_before = threading.active_count()
    with ExitStack() as stack:
        clients = [stack.enter_context(_connect(server)) for _ in range(SLOW_CLIENTS)]
        for client in clients:
            client.sendall(b"GET /ipfs/")  # and never the rest
        # Only MAX_CONNECTIONS threads are started; the rest are answered 503 and closed.
        assert _wait_until(lambda: server.active_connections == MAX_CONNECTIONS, 5)
        assert threading.active_count() <= threads_before + MAX_CONNECTIONS
        refused = 0
        for client in clients:
            client.settimeout(HEAD_TIMEOUT * 4)
            try:
                answer = client.recv(4096)
            except (ConnectionResetError, TimeoutError):
                answer = b""
            refused += answer.startswith(b"HTTP/1.1 503")
        assert refused >= SLOW_CLIENTS - MAX_CONNECTIONS - 2  # a reset may eat an answer
        # Within the head timeout every held connection was closed, every thread gone.
        assert _wait_until(lambda: server.active_connections == 0, HEAD_TIMEOUT * 4)
        assert _wait_until(lambda: threading.active_count() <= threads_before, 5)
    assert httpx.get(f"{base}/ipfs/{cid}", timeout=5).text == "hello, slow world\n"


def test_a_trickling_client_does_not_reset_the_clock(
    served: tuple[GatewayServer, str, str],
) -> None:
    server, base, cid = served
    request = f"GET /ipfs/{cid} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: {'a' * 200}\r\n\r\n".encode()
    started = time.monotonic()
    closed_after: float | None = None
    with _connect(server) as client:
        for byte in request:
            try:
                client.sendall(bytes([byte]))
            except OSError:
                closed_after = time.monotonic() - started
                break
            time.sleep(0.05)  # each byte well inside any per-read timeout
            if server.active_connections == 0:
                closed_after = time.monotonic() - started
                break
    assert closed_after is not None, "the server waited for the whole trickled head"
    assert closed_after < HEAD_TIMEOUT + 1.0
    assert httpx.get(f"{base}/ipfs/{cid}", timeout=5).status_code == 200


def test_an_idle_keep_alive_connection_is_closed(served: tuple[GatewayServer, str, str]) -> None:
    server, _base, cid = served
    with _connect(server) as client:
        client.sendall(f"GET /ipfs/{cid} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        client.settimeout(HEAD_TIMEOUT * 4)
        received = b""
        while b"hello, slow world\n" not in received:
            received += client.recv(4096)
        assert received.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        assert client.recv(4096) == b""  # closed by the server, not by us
        assert time.monotonic() - started < HEAD_TIMEOUT + 1.0
    assert _wait_until(lambda: server.active_connections == 0, 2)
