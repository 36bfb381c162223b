"""Gateway fetch, Kubo RPC and pinning clients against local servers (no live Kubo here)."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from provenance.errors import IntegrityError, IPFSError
from provenance.ipfs import (
    Blockstore,
    ContentSource,
    GatewayFetcher,
    KuboClient,
    PinningClient,
    add_bytes,
    export_car,
)
from provenance.ipfs.params import resolve_params
from provenance.ipfs.reader import walk_dag
from provenance.ipfs.server import make_server

from ..helpers import serving
from .conftest import deterministic_bytes
from .fakes import FakeKubo, FakePinningService

SMALL_TREE = resolve_params("kubo-v1", chunk_size=1000, max_links=3)
DATA = deterministic_bytes(7_777, seed=11)


class _Liar(BaseHTTPRequestHandler):
    """A gateway that answers 200 with wrong bytes (or a bogus CAR) for everything."""

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = b"definitely not what you asked for"
        if "format=car" in self.path:
            body = b"\x0a\xa1\x67version\x01" + body
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def gateways(tmp_path: Path) -> Iterator[tuple[list[str], str]]:
    store = Blockstore.open(tmp_path / "blocks")
    root = add_bytes(DATA, store=store, params=SMALL_TREE).cid
    honest = make_server(store)
    liar = ThreadingHTTPServer(("127.0.0.1", 0), _Liar)
    with socket.socket() as sock:  # a port with nobody listening
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with serving(liar) as liar_url, serving(honest) as honest_url:
        yield [dead, liar_url, honest_url], root


def test_gateway_fetcher_falls_back_past_dead_and_lying_gateways(
    gateways: tuple[list[str], str],
) -> None:
    urls, root = gateways
    with GatewayFetcher(urls, timeout=5) as fetcher:
        assert isinstance(fetcher, ContentSource)
        assert fetcher.cat(root) == DATA
        assert fetcher.cat_car(root) == DATA
        assert len(fetcher.fetch_car(root)) > 5


def test_gateway_fetcher_never_returns_unverified_bytes(gateways: tuple[list[str], str]) -> None:
    urls, root = gateways
    with GatewayFetcher(urls[:2], timeout=5) as fetcher:  # only the dead one and the liar
        with pytest.raises(IPFSError, match="no gateway returned a valid block") as info:
            fetcher.cat(root)
        assert "do not match the CID" in str(info.value)
        with pytest.raises(IPFSError, match="no gateway returned a complete"):
            fetcher.fetch_car(root)


@pytest.fixture()
def kubo() -> Iterator[tuple[FakeKubo, str]]:
    server = FakeKubo()
    with serving(server) as url:
        yield server, url


def test_kubo_add_passes_parameters_and_checks_the_cid(kubo: tuple[FakeKubo, str]) -> None:
    server, url = kubo
    with KuboClient(url, timeout=5) as client:
        assert client.version() == "0.32.1"
        assert client.add(b"hello world", params="unixfs-v0-2015") == (
            "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD"
        )
        command, query = server.calls[-1]
        assert command == "add"
        assert query["cid-version"] == ["0"] and query["raw-leaves"] == ["false"]
        assert query["chunker"] == ["size-262144"] and query["hash"] == ["sha2-256"]
        assert client.add(b"hello world", params="unixfs-v1-2025").startswith("bafkreifzjut3")
        assert server.calls[-1][1]["max-file-links"] == ["1024"]
        server.lie_on_add = True
        with pytest.raises(IntegrityError, match="local importer computed"):
            client.add(b"hello world", params="kubo-v1")


def test_kubo_blocks_cat_pins_and_dag_import(kubo: tuple[FakeKubo, str], tmp_path: Path) -> None:
    server, url = kubo
    store = Blockstore.open(tmp_path / "blocks")
    root = add_bytes(DATA, store=store, params=SMALL_TREE).cid
    car = io.BytesIO()
    export_car(store, root, car)
    with KuboClient(url, timeout=5) as client:
        assert client.dag_import(car.getvalue()) == [root]
        assert client.pin_ls(root) == {root: "recursive"}
        assert client.cat(root) == DATA
        assert isinstance(client, ContentSource)
        leaf = next(str(c) for c, _ in walk_dag(store, root) if c.codec == 0x55)
        server.blocks[leaf] = b"tampered"
        with pytest.raises(IntegrityError, match=leaf):
            client.cat(root)
        with pytest.raises(IPFSError, match="could not find"):
            client.get_block(add_bytes(b"absent").cid)
        other = add_bytes(b"pin me").cid
        assert client.pin_add(other) == [other]
        assert other in client.pin_ls()


def test_kubo_authorization_version_and_unreachable(kubo: tuple[FakeKubo, str]) -> None:
    server, url = kubo
    server.required_auth = "Basic dXNlcjpwYXNz"
    with KuboClient(url, timeout=5) as client, pytest.raises(IPFSError, match="Authorization"):
        client.version()
    with KuboClient(url, authorization="Basic dXNlcjpwYXNz", timeout=5) as client:
        assert client.version() == "0.32.1"
        server.version = "0.4.23"
        with pytest.raises(IPFSError, match="too old"):
            client.version()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with (
        KuboClient(dead, timeout=2, retries=2, backoff=0.01) as client,
        pytest.raises(IPFSError, match="unreachable"),
    ):
        client.version()


def test_pinning_service_flow() -> None:
    service = FakePinningService(token="s3cret-token")
    cid = add_bytes(b"hello world").cid
    with serving(service) as url, PinningClient(url, "s3cret-token", timeout=5) as client:
        origin = "/ip4/127.0.0.1/tcp/4001/p2p/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"
        queued = client.add(cid, name="artwork", origins=[origin], meta={"token": "1"})
        assert queued.status == "queued" and queued.cid == cid
        assert service.requests[-1] == {
            "cid": cid,
            "name": "artwork",
            "origins": [origin],
            "meta": {"token": "1"},
        }
        sleeps: list[float] = []
        pinned = client.wait(queued.requestid, interval=0.5, sleep=sleeps.append)
        assert pinned.status == "pinned" and sleeps == [0.5]
        assert [p.requestid for p in client.list(cids=[cid])] == [queued.requestid]
        client.remove(queued.requestid)
        assert client.list(cids=[cid]) == []

        service.fail_cids.add(cid)
        again = client.add(cid)
        with pytest.raises(IPFSError, match="failed to pin"):
            client.wait(again.requestid, sleep=lambda _s: None)

    with (
        serving(FakePinningService(token="right")) as url,
        PinningClient(url, "wrong-token") as bad,
    ):
        with pytest.raises(IPFSError, match="rejected the access token") as info:
            bad.add(cid)
        assert "wrong-token" not in str(info.value)
