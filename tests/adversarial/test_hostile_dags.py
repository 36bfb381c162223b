"""Issue 12 item 1: a DAG of a few valid blocks that links one empty leaf 1000^8 times ran every
reader forever (no byte limit trips on empty chunks). Every reader must refuse it in seconds."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from provenance.errors import IPFSError
from provenance.ipfs import Blockstore, add_bytes
from provenance.ipfs.car import import_car
from provenance.ipfs.cid import CID, DAG_PB
from provenance.ipfs.dagpb import PBLink, encode_node
from provenance.ipfs.params import resolve_params
from provenance.ipfs.reader import MAX_FILE_BLOCKS, ReadCancelled, iter_file
from provenance.ipfs.server import GatewayServer
from provenance.ipfs.unixfs import DataType, encode_unixfs

from .hostile import car_bytes, empty_leaf_bomb

# Generous against a loaded 2-core machine; before the fix each of these ran for hours.
SECONDS = 10.0


class Counting:
    def __init__(self, inner: Blockstore) -> None:
        self.inner = inner
        self.calls = 0

    def get_block(self, cid: str | CID) -> bytes:
        self.calls += 1
        return self.inner.get_block(cid)


def _load(store: Blockstore, **shape: bool) -> CID:
    root, blocks = empty_leaf_bomb(**shape)
    car = car_bytes(root, blocks)
    assert 300_000 < len(car) < 400_000  # what the review used: a ~345 KB CAR
    import_car(store, io.BytesIO(car))
    return root


SHAPES = [
    pytest.param({"blocksizes": True, "filesize": True}, id="declares-0"),
    pytest.param({"blocksizes": True, "filesize": False}, id="blocksizes-only"),
    pytest.param({"blocksizes": False, "filesize": False}, id="no-sizes"),
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("max_size", [None, 1 << 30])
def test_library_refuses_an_empty_leaf_bomb(
    store: Blockstore, shape: dict[str, bool], max_size: int | None
) -> None:
    root = _load(store, **shape)
    source = Counting(store)
    started = time.monotonic()
    with pytest.raises(IPFSError, match=str(root)):
        b"".join(iter_file(source, root, max_size=max_size))
    assert time.monotonic() - started < SECONDS
    assert source.calls <= 1100  # the root and at most its own links
    with pytest.raises(IPFSError):
        store.cat(root, max_size=max_size)


def test_links_to_empty_blocks_cost_even_when_sizes_are_consistent(store: Blockstore) -> None:
    # A file that declares 10 bytes: one 10-byte leaf and 5000 links to an empty one, all sizes
    # consistent. The empty links are walked (and counted), so the budget refuses it.
    leaf, empty = b"0123456789", b""
    leaf_cid, empty_cid = store.put_block(CID.for_bytes(leaf), leaf), CID.for_bytes(empty)
    store.put_block(empty_cid, empty)
    links = [PBLink(leaf_cid, "", 10)] + [PBLink(empty_cid, "", 0)] * 5000
    data = encode_unixfs(DataType.FILE, filesize=10, blocksizes=[10] + [0] * 5000)
    block = encode_node(links=links, data=data)
    root = store.put_block(CID.for_bytes(block, codec=DAG_PB), block)
    source = Counting(store)
    with pytest.raises(IPFSError, match="blocks"):
        store.cat(root)
    source = Counting(store)
    with pytest.raises(IPFSError):
        b"".join(iter_file(source, root))
    assert source.calls <= 2 * 10 + 64 + 1


def test_declared_part_sizes_must_add_up(store: Blockstore) -> None:
    leaf = b"x" * 100
    leaf_cid = store.put_block(CID.for_bytes(leaf), leaf)
    # The parent says its part holds 50 bytes; the part holds 100.
    data = encode_unixfs(DataType.FILE, filesize=50, blocksizes=[50])
    block = encode_node(links=[PBLink(leaf_cid, "", 100)], data=data)
    root = store.put_block(CID.for_bytes(block, codec=DAG_PB), block)
    with pytest.raises(IPFSError, match="holds 100 bytes where its parent declares 50"):
        store.cat(root)
    # blocksizes adding up to something else than filesize.
    data = encode_unixfs(DataType.FILE, filesize=70, blocksizes=[100])
    block = encode_node(links=[PBLink(leaf_cid, "", 100)], data=data)
    root = store.put_block(CID.for_bytes(block, codec=DAG_PB), block)
    with pytest.raises(IPFSError, match="declares 70 bytes but its parts add up to 100"):
        store.cat(root)
    # as many blocksizes as links (the rule of ipfs-unixfs-exporter too).
    data = encode_unixfs(DataType.FILE, filesize=200, blocksizes=[100])
    block = encode_node(links=[PBLink(leaf_cid, "", 100)] * 2, data=data)
    root = store.put_block(CID.for_bytes(block, codec=DAG_PB), block)
    with pytest.raises(IPFSError, match="2 links but 1 blocksizes"):
        store.cat(root)


@pytest.mark.parametrize(
    "params",
    [
        resolve_params("kubo-v1", chunk_size=1, max_links=3),
        resolve_params("unixfs-v0-2015", chunk_size=7),
        resolve_params("kubo-v1", chunk_size=1000, max_links=4),
    ],
)
def test_honest_files_read_within_the_budget(store: Blockstore, params: object) -> None:
    data = os.urandom(1000)
    root = add_bytes(data, store=store, params=params).cid  # type: ignore[arg-type]
    assert store.cat(root, max_size=len(data)) == data
    assert store.cat(root) == data
    assert add_bytes(b"", store=store, params=params).cid  # type: ignore[arg-type]
    empty = add_bytes(b"", store=store, params=params).cid  # type: ignore[arg-type]
    assert store.cat(empty) == b""


def test_block_budget_is_capped(store: Blockstore) -> None:
    data = os.urandom(2000)
    root = add_bytes(data, store=store, params=resolve_params("kubo-v1", chunk_size=1)).cid
    with pytest.raises(IPFSError, match="more than 100 blocks"):
        b"".join(iter_file(store, root, max_blocks=100))
    assert MAX_FILE_BLOCKS >= 1 << 20


def test_a_cancelled_read_stops(store: Blockstore) -> None:
    data = os.urandom(5000)
    root = add_bytes(data, store=store, params=resolve_params("kubo-v1", chunk_size=10)).cid
    source = Counting(store)
    calls = iter(range(10**9))
    with pytest.raises(ReadCancelled):
        b"".join(iter_file(source, root, cancelled=lambda: next(calls) >= 2))
    assert source.calls < 500


def test_cli_ipfs_cat_refuses_the_bomb(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "PROVENANCE_HOME": str(home)}
    root, blocks = empty_leaf_bomb()
    car = tmp_path / "bomb.car"
    car.write_bytes(car_bytes(root, blocks))
    cli = [sys.executable, "-m", "provenance"]
    subprocess.run([*cli, "ipfs", "import", str(car)], env=env, check=True, capture_output=True)
    started = time.monotonic()
    result = subprocess.run(
        [*cli, "ipfs", "cat", str(root), "--max-size", "1000000"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert time.monotonic() - started < SECONDS + 5
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(root) in lines[0]


def test_gateway_refuses_the_bomb(store: Blockstore, gateway: tuple[str, GatewayServer]) -> None:
    base, _server = gateway
    root = _load(store, blocksizes=True, filesize=True)
    started = time.monotonic()
    response = httpx.get(f"{base}/ipfs/{root}", timeout=SECONDS * 3)
    assert time.monotonic() - started < SECONDS
    assert response.status_code == 400
    assert str(root) in response.text
    # The CAR of the same DAG is small (each distinct block once) and is served.
    car = httpx.get(f"{base}/ipfs/{root}?format=car", timeout=SECONDS)
    assert car.status_code == 200
    assert len(car.content) < 400_000


class SlowStore:
    """The store, two milliseconds per block: a walk long enough to see whether it stops."""

    def __init__(self, inner: Blockstore) -> None:
        self.inner = inner
        self.calls = 0

    def get_block(self, cid: str | CID) -> bytes:
        self.calls += 1
        time.sleep(0.002)
        return self.inner.get_block(cid)


def test_gateway_stops_the_walk_when_the_client_goes_away(
    store: Blockstore, gateway: tuple[str, GatewayServer]
) -> None:
    _base, server = gateway
    data = os.urandom(5_000)
    root = add_bytes(data, store=store, params=resolve_params("kubo-v1", chunk_size=1)).cid
    slow = SlowStore(store)
    server.store = slow  # type: ignore[assignment]
    host, port = server.server_address[:2]
    with socket.create_connection((str(host), int(port)), timeout=5) as client:
        client.sendall(f"GET /ipfs/{root} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        time.sleep(0.3)
    time.sleep(1.0)
    stopped_at = slow.calls
    time.sleep(1.0)
    assert slow.calls == stopped_at  # nothing walked after the client left
    assert 0 < stopped_at < 2_000  # a full read is > 5,000 blocks (twice: verify, then send)
