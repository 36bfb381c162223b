"""Review findings M3 (pin/gc race), M7 (unbounded reads of hostile DAGs), L4 (bad CID exit code)."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.errors import InputError, IPFSError
from provenance.ipfs import Blockstore, GatewayFetcher, KuboClient, add_bytes
from provenance.ipfs.blockstore import BlockNotFound
from provenance.ipfs.cid import CID, DAG_PB, InvalidCID
from provenance.ipfs.dagpb import PBLink, encode_node
from provenance.ipfs.params import resolve_params
from provenance.ipfs.reader import ContentTooLarge, iter_file, walk_dag
from provenance.ipfs.server import GatewayServer, make_server
from provenance.ipfs.unixfs import DataType, encode_unixfs

from ..helpers import serving
from .conftest import deterministic_bytes

MIB = 1 << 20
SMALL_TREE = resolve_params("kubo-v1", chunk_size=1000, max_links=4)


# -- a hostile but valid DAG ------------------------------------------------------------------
def hostile_dag(
    store: Blockstore,
    *,
    depth: int,
    fanout: int = 64,
    leaf_size: int = 1024,
    declare: str = "honest",
) -> CID:
    """Each level links the level below ``fanout`` times: ``leaf_size * fanout**depth`` bytes
    from ``depth + 1`` blocks, every one of which passes its hash check. ``declare`` is what
    the root's UnixFS filesize says: ``honest``, ``small`` (a lie) or ``none`` (absent)."""
    leaf = deterministic_bytes(leaf_size, seed=7)
    cid = CID.for_bytes(leaf)
    store.put_block(cid, leaf)
    size = leaf_size
    for level in range(depth):
        total = size * fanout
        top = level == depth - 1
        filesize = {"honest": total, "small": leaf_size, "none": None}[declare] if top else total
        data = encode_unixfs(DataType.FILE, filesize=filesize, blocksizes=[size] * fanout)
        block = encode_node(links=[PBLink(cid, "", size)] * fanout, data=data)
        cid = CID.for_bytes(block, codec=DAG_PB)
        store.put_block(cid, block)
        size = total
    return cid


class Counting:
    """A block source that counts the blocks it hands out (and the bytes)."""

    def __init__(self, inner: Blockstore) -> None:
        self.inner = inner
        self.calls = 0

    def get_block(self, cid: str | CID) -> bytes:
        self.calls += 1
        return self.inner.get_block(cid)


@pytest.fixture()
def store(tmp_path: Path) -> Blockstore:
    return Blockstore.open(tmp_path / "blocks", fsync=False)


def test_declared_size_over_the_bound_is_refused_before_any_child_is_fetched(
    store: Blockstore,
) -> None:
    root = hostile_dag(store, depth=3)  # 256 MiB from 4 blocks
    source = Counting(store)
    with pytest.raises(ContentTooLarge, match=f"{root} declares {256 * MIB} bytes") as info:
        b"".join(iter_file(source, root, max_size=MIB))
    assert source.calls == 1
    assert isinstance(info.value, IPFSError)
    with pytest.raises(ContentTooLarge):
        store.cat(root, max_size=MIB)
    with pytest.raises(ContentTooLarge):
        next(store.iter_cat(root, max_size=MIB))


@pytest.mark.parametrize("declare", ["small", "none"])
def test_reading_stops_once_more_than_the_bound_was_produced(
    store: Blockstore, declare: str
) -> None:
    root = hostile_dag(store, depth=3, declare=declare)
    source = Counting(store)
    produced = 0
    with pytest.raises(IPFSError, match=str(root)):
        for chunk in iter_file(source, root, max_size=MIB):
            produced += len(chunk)
    assert produced <= MIB
    # 1 KiB leaves: the bound is crossed on leaf 1025, plus the 17 + 1 + 1 nodes above them
    # (a full read would take 266,305 blocks).
    assert source.calls <= (MIB // 1024 + 1) + 17 + 1 + 1


def test_a_dag_producing_more_than_its_root_declares_is_refused_even_unbounded(
    store: Blockstore,
) -> None:
    root = hostile_dag(store, depth=3, declare="small")  # says 1 KiB, expands to 256 MiB
    source = Counting(store)
    with pytest.raises(IPFSError, match="declares 1024 bytes but its parts add up to 268435456"):
        b"".join(iter_file(source, root))
    assert source.calls == 1


def test_bound_does_not_refuse_files_within_it(store: Blockstore) -> None:
    data = deterministic_bytes(20_000, seed=3)
    root = add_bytes(data, store=store, params=SMALL_TREE).cid
    assert store.cat(root, max_size=len(data)) == data
    with pytest.raises(ContentTooLarge):
        store.cat(root, max_size=len(data) - 1)
    raw = add_bytes(b"x" * 100, store=store).cid  # a single raw block, no UnixFS filesize
    assert store.cat(raw, max_size=100) == b"x" * 100
    with pytest.raises(ContentTooLarge):
        store.cat(raw, max_size=99)
    assert store.cat(add_bytes(b"", store=store).cid, max_size=0) == b""


@pytest.fixture()
def gateway(store: Blockstore) -> Iterator[tuple[str, GatewayServer]]:
    server = make_server(store, port=0)
    with serving(server) as url:
        yield url, server


def test_gateway_server_refuses_hostile_dag_by_default_and_fetcher_is_bounded(
    store: Blockstore, gateway: tuple[str, GatewayServer]
) -> None:
    base, server = gateway
    huge = hostile_dag(store, depth=4)  # 16 GiB declared, over the 1 GiB default
    response = httpx.get(f"{base}/ipfs/{huge}", timeout=30)
    assert response.status_code == 413
    assert str(huge) in response.text
    lying = hostile_dag(store, depth=2, declare="none")  # 4 MiB, no declared size
    server.max_file_bytes = MIB
    assert httpx.get(f"{base}/ipfs/{lying}", timeout=30).status_code == 413
    small = add_bytes(b"fine", store=store).cid
    assert httpx.get(f"{base}/ipfs/{small}", timeout=30).content == b"fine"
    with GatewayFetcher([base]) as fetcher:
        with pytest.raises(ContentTooLarge):
            fetcher.cat(str(huge), max_size=MIB)
        with pytest.raises(ContentTooLarge):  # one request per block: keep this one small
            fetcher.cat(str(lying), max_size=16 * 1024)
        assert fetcher.cat(str(small), max_size=4) == b"fine"


def test_kubo_client_cat_is_bounded(store: Blockstore) -> None:
    root = hostile_dag(store, depth=3)
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        # /api/v0/block/get?arg=CID, answered from the store (as a daemon holding the DAG would).
        cid = request.url.params["arg"]
        calls.append(cid)
        return httpx.Response(200, content=store.get_block(cid))

    kubo = KuboClient("http://kubo.invalid:5001", transport=httpx.MockTransport(handler))
    with kubo, pytest.raises(ContentTooLarge):
        kubo.cat(str(root), max_size=MIB)
    assert calls == [str(root)]


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_cat_has_a_default_bound_and_an_option(home: Path) -> None:
    store = Blockstore.open()
    huge = hostile_dag(store, depth=4)  # 16 GiB declared
    code, out, err = invoke("ipfs", "cat", str(huge))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "limit" in err and str(huge) in err
    lying = hostile_dag(store, depth=2, declare="none")  # 4 MiB, no declared size
    code, out, err = invoke("ipfs", "cat", "--max-size", str(MIB), str(lying))
    assert code == 1 and out == "" and err.count("\n") == 1
    unbounded = CliRunner().invoke(cli, ["ipfs", "cat", "--max-size", "0", str(lying)])  # 0: none
    assert unbounded.exit_code == 0 and len(unbounded.stdout_bytes) == 4 * MIB
    small = add_bytes(b"small file", store=store).cid
    assert invoke("ipfs", "cat", "--max-size", "10", small)[:2] == (0, "small file")


# -- M3: pin and gc ---------------------------------------------------------------------------
def _lock_is_free(root: Path) -> bool:
    """Whether another process or open file could take the store's lock right now."""
    with open(root / ".lock", "a+b") as probe:
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(probe, fcntl.LOCK_UN)
        return True


def test_gc_cannot_run_between_pins_walk_and_its_write(
    store: Blockstore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gc thread (on its own Blockstore, so its own lock file handle) starts while ``pin`` has
    read the DAG's last block. If gc can take the lock there, it runs to completion at that
    moment (the interleaving the old code allowed); otherwise it waits for pin. Either way,
    once both are done, a pinned root must still have all its blocks."""
    data = b"fresh content, added but not yet pinned"
    root = add_bytes(data, store=store).cid  # a single raw block: its read ends the walk
    other = Blockstore.open(store.root, fsync=False)
    gc_thread = threading.Thread(target=other.gc)
    original = store.get_block
    seen_free: list[bool] = []

    def hook(cid: str | CID) -> bytes:
        block = original(cid)
        if not gc_thread.is_alive() and not seen_free:
            free = _lock_is_free(store.root)
            seen_free.append(free)
            gc_thread.start()
            if free:
                gc_thread.join()  # nothing holds the lock: gc finishes now, inside pin's window
        return block

    monkeypatch.setattr(store, "get_block", hook)
    try:
        pinned = store.pin(root)
    except IPFSError:
        pinned = None
    gc_thread.join()
    monkeypatch.undo()
    assert seen_free == [False], "pin walked the DAG without holding the gc lock"
    assert pinned == root and store.pins() == [root]
    assert store.cat(root) == data


def test_pin_after_gc_removed_fresh_blocks_names_the_missing_block(store: Blockstore) -> None:
    data = deterministic_bytes(5000, seed=4)
    root = add_bytes(data, store=store, params=SMALL_TREE).cid
    blocks = [cid for cid, _ in walk_dag(store, root)]
    root_block = store.get_block(root)
    # gc runs in another thread (its own store object) between add and pin.
    gc_thread = threading.Thread(target=Blockstore.open(store.root, fsync=False).gc)
    gc_thread.start()
    gc_thread.join()
    assert not any(store.has(c) for c in blocks)
    with pytest.raises(BlockNotFound, match=f"cannot pin {root}: block {root} is missing"):
        store.pin(root)
    store.put_block(root, root_block)  # the root alone comes back: the first child is missing
    with pytest.raises(BlockNotFound, match=f"cannot pin {root}: block {blocks[1]} is missing"):
        store.pin(root)
    assert store.pins() == []


def test_locked_is_reentrant_so_add_and_pin_can_share_it(store: Blockstore) -> None:
    with store.locked():
        assert not _lock_is_free(store.root)
        root = add_bytes(b"atomic add and pin", store=store).cid
        store.pin(root)  # takes the lock again from the same thread: must not deadlock
    assert _lock_is_free(store.root)
    assert store.pins() == [root]


# -- L4: malformed CIDs are input errors --------------------------------------------------------
def test_invalid_cid_is_an_input_error_with_exit_code_2() -> None:
    assert issubclass(InvalidCID, InputError) and issubclass(InvalidCID, IPFSError)
    assert InvalidCID("x").exit_code == 2
    for text in ("bafkreiabc", "b", "Qm" + "1" * 44, "hello", "BAFYBEI"):
        with pytest.raises(InvalidCID):
            CID.parse(text)


@pytest.mark.parametrize(
    "args",
    [
        ("ipfs", "cat", "bafkreiabc"),
        ("ipfs", "pin", "add", "Qmnope"),
        ("ipfs", "export", "b", "-o", "out.car"),
    ],
)
def test_cli_malformed_cid_exits_2_with_one_line(home: Path, args: tuple[str, ...]) -> None:
    code, out, err = invoke(*args)
    assert code == 2, err
    assert out == "" and err.count("\n") == 1 and err.startswith("Error: ")
    assert "Traceback" not in err
