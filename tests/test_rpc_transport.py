"""The JSON-RPC client's loopback transport (stdlib ``http.client``, kept-alive connections):
answers over HTTP/1.1 and 1.0 servers, survives a node closing idle connections, serves several
threads, and fails with the same one-line errors as the httpx path."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from provenance.chain.rpc import RpcClient
from provenance.chain.transport import open_poster
from provenance.errors import ChainError


def serve(version: str) -> tuple[ThreadingHTTPServer, list[str]]:
    seen: list[str] = []

    class Node(BaseHTTPRequestHandler):
        protocol_version = version

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(self.headers["Content-Type"])
            body = json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": "0x7a69"}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            # Every third answer the node drops the connection without saying so (as nodes close
            # idle keep-alive connections): the client must retry once on a fresh one.
            self.close_connection = len(seen) % 3 == 0

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Node)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@pytest.fixture(params=["HTTP/1.1", "HTTP/1.0"])
def node(request: pytest.FixtureRequest) -> Iterator[tuple[str, ThreadingHTTPServer, list[str]]]:
    server, seen = serve(request.param)
    yield f"http://127.0.0.1:{server.server_address[1]}", server, seen
    server.shutdown()
    server.server_close()


def test_loopback_answers_reconnects_and_serves_threads(
    node: tuple[str, ThreadingHTTPServer, list[str]],
) -> None:
    url, _, seen = node
    assert type(open_poster(url, timeout=5)).__name__ == "_Loopback"  # no httpx for the devnet
    client = RpcClient(url)
    assert [client.chain_id() for _ in range(10)] == [31337] * 10
    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(lambda _: client.chain_id(), range(40))) == {31337}
    assert set(seen) == {"application/json"}


def test_other_urls_go_through_httpx() -> None:
    for url in ("https://127.0.0.1:8545", "http://node.example:8545", "http://u:p@127.0.0.1:1"):
        assert type(open_poster(url, timeout=5)).__name__ == "HttpxPoster"


def test_refused_and_silent_nodes_are_one_line_chain_errors() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ChainError, match=r"cannot reach the RPC endpoint http://127\.0\.0\.1:\d+"):
        RpcClient(f"http://127.0.0.1:{port}").chain_id()
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(ChainError, match="RPC eth_chainId timed out at"):
            RpcClient(url, timeout=0.3).chain_id()


def test_a_malformed_url_is_an_input_error_on_either_path() -> None:
    from provenance.errors import InputError

    for url in ("http://127.0.0.1:notaport", "ftp://127.0.0.1:8545", "http://"):
        with pytest.raises(InputError, match="--rpc-url"):
            RpcClient(url)
