"""The embedded blockstore (verified reads, pins, gc) and CARv1 against @ipld/car."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from provenance.errors import IntegrityError, IPFSError
from provenance.ipfs import Blockstore, add_bytes, add_path, export_car, import_car
from provenance.ipfs.blockstore import BlockNotFound
from provenance.ipfs.car import iter_car
from provenance.ipfs.cid import CID
from provenance.ipfs.params import resolve_params
from provenance.ipfs.reader import walk_dag

from .conftest import deterministic_bytes, run_node

SMALL_TREE = resolve_params("kubo-v1", chunk_size=1000, max_links=4)  # many blocks, 3 layers


def test_default_location_is_under_provenance_home(home: Path) -> None:
    store = Blockstore.open()
    assert store.root == home / "ipfs" / "blocks"
    result = add_bytes(b"x" * 10, store=store)
    assert store.has(result.cid)
    assert any((home / "ipfs" / "blocks").rglob("*.data"))


def test_add_then_cat_round_trip(tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "blocks")
    data = deterministic_bytes(20_500, seed=1)
    for params in ("unixfs-v0-2015", "kubo-v1", SMALL_TREE):
        result = add_bytes(data, store=store, params=params)
        assert store.cat(result.cid) == data
        assert b"".join(store.iter_cat(result.cid)) == data
    empty = add_bytes(b"", store=store, params="unixfs-v0-2015")
    assert store.cat(empty.cid) == b""


def test_only_hash_stores_nothing(tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "blocks")
    result = add_bytes(b"abc", store=None)
    assert not store.has(result.cid)
    with pytest.raises(BlockNotFound, match=result.cid):
        store.get_block(result.cid)


def test_corrupted_block_is_an_error_naming_its_cid(tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "blocks")
    data = deterministic_bytes(5000, seed=2)
    result = add_bytes(data, store=store, params=SMALL_TREE)
    leaves = [cid for cid, _ in walk_dag(store, result.cid) if cid.codec == 0x55]
    victim = leaves[2]
    path = store._path(victim)
    path.chmod(0o644)
    path.write_bytes(b"tampered" + path.read_bytes()[8:])
    with pytest.raises(IntegrityError, match=str(victim)) as info:
        store.cat(result.cid)
    assert info.value.context["cid"] == str(victim)


def test_writes_synced_together_are_durable_and_a_torn_block_is_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside ``synced_together`` no file is fsynced one by one; one sync at the end covers the
    blocks and the pin. A block a crash left torn before that sync (here: emptied, as a rename
    that reached the disk before its data leaves it) is not trusted by a later run: adding the
    content again writes it again."""
    import os

    fsynced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsynced.append(fd), real_fsync(fd))[1])
    store = Blockstore.open(tmp_path / "blocks")
    data = deterministic_bytes(5000, seed=9)
    with store.synced_together():
        cid = store.add_pinned(data, params=SMALL_TREE)
        assert fsynced == []  # nothing synced inside the group
    assert cid in store.pins()
    leaves = [c for c, _ in walk_dag(store, cid) if c.codec == 0x55]
    torn = store._path(leaves[1])
    torn.chmod(0o644)
    torn.write_bytes(b"")
    again = Blockstore.open(tmp_path / "blocks")  # the re-run's process, a batch's group again
    with again.synced_together():
        assert again.add_pinned(data, params=SMALL_TREE, expect=cid) == cid
    assert again.cat(cid) == data
    # Blocks written in place inside the group are whole, read-only and left no temp file.
    for leaf in leaves:
        assert store._path(leaf).stat().st_mode & 0o222 == 0
    assert not list((tmp_path / "blocks").rglob(".put-*"))


def test_put_block_refuses_bytes_that_do_not_match(tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "blocks")
    cid = CID.for_bytes(b"good")
    with pytest.raises(IntegrityError):
        store.put_block(cid, b"evil")
    assert not store.has(cid)


def test_pins_protect_dags_from_gc(tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "blocks")
    kept = add_bytes(deterministic_bytes(9000, seed=3), store=store, params=SMALL_TREE)
    dropped = add_bytes(deterministic_bytes(9000, seed=4), store=store, params=SMALL_TREE)
    dropped_blocks = len(list(walk_dag(store, dropped.cid)))
    store.pin(kept.cid)
    assert store.pins() == [kept.cid]
    assert store.gc() == dropped_blocks
    assert store.cat(kept.cid) == deterministic_bytes(9000, seed=3)
    assert not store.has(dropped.cid)
    store.unpin(kept.cid)
    assert store.pins() == []
    store.gc()
    assert not store.has(kept.cid)
    with pytest.raises(IPFSError, match="not pinned"):
        store.unpin(kept.cid)


def test_pin_requires_the_whole_dag(tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "blocks")
    result = add_bytes(deterministic_bytes(9000, seed=5), store=store, params=SMALL_TREE)
    leaf = next(cid for cid, _ in walk_dag(store, result.cid) if cid.codec == 0x55)
    store.delete_block(leaf)
    with pytest.raises(BlockNotFound):
        store.pin(result.cid)
    assert store.pins() == []


def _car_of(store: Blockstore, cid: str) -> bytes:
    out = io.BytesIO()
    export_car(store, cid, out)
    return out.getvalue()


def test_car_round_trip(tmp_path: Path) -> None:
    src = Blockstore.open(tmp_path / "a")
    result = add_bytes(deterministic_bytes(12_345, seed=6), store=src, params=SMALL_TREE)
    car = _car_of(src, result.cid)
    dst = Blockstore.open(tmp_path / "b")
    assert import_car(dst, io.BytesIO(car)) == [result.cid]
    assert dst.cat(result.cid) == src.cat(result.cid)


def test_our_car_is_read_by_ipld_car(tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "blocks")
    folder = tmp_path / "album"
    folder.mkdir()
    (folder / "a.png").write_bytes(deterministic_bytes(3000, seed=7))
    (folder / "b.json").write_bytes(b'{"name": "b"}')
    for params in ("unixfs-v0-2015", SMALL_TREE):
        root = add_path(folder, store=store, params=params).cid
        car_path = tmp_path / "out.car"
        car_path.write_bytes(_car_of(store, root))
        report = json.loads(run_node("car_check.mjs", None, "read", str(car_path)))
        assert report["roots"] == [root]
        expected = [str(cid) for cid, _ in walk_dag(store, root)]
        assert [b["cid"] for b in report["blocks"]] == expected
        assert all(b["ok"] for b in report["blocks"])


def test_we_import_a_car_written_by_ipld_car(tmp_path: Path) -> None:
    source = Blockstore.open(tmp_path / "src")
    data = deterministic_bytes(7000, seed=8)
    root = add_bytes(data, store=source, params=SMALL_TREE).cid
    spec = {
        "roots": [root],
        "blocks": [{"cid": str(c), "hex": b.hex()} for c, b in walk_dag(source, root)],
    }
    car_path = tmp_path / "js.car"
    run_node("car_check.mjs", spec, "write", str(car_path))
    dst = Blockstore.open(tmp_path / "dst")
    with car_path.open("rb") as handle:
        assert import_car(dst, handle) == [root]
    assert dst.cat(root) == data


def test_truncated_car_is_rejected(tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "a")
    root = add_bytes(deterministic_bytes(5000, seed=9), store=store, params=SMALL_TREE).cid
    car = _car_of(store, root)
    for cut in (0, 1, 5, 40, len(car) - 1, len(car) - 700):
        with pytest.raises(IPFSError, match="truncated|empty|CAR"):
            import_car(Blockstore.open(tmp_path / f"t{cut}"), io.BytesIO(car[:cut]))


def test_tampered_car_is_rejected_naming_the_block(tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "a")
    root = add_bytes(deterministic_bytes(5000, seed=10), store=store, params=SMALL_TREE).cid
    car = bytearray(_car_of(store, root))
    car[-10] ^= 0xFF  # inside the last block's payload
    _roots, blocks = iter_car(io.BytesIO(bytes(car)))
    with pytest.raises(IntegrityError, match="does not match its CID"):
        list(blocks)
    dst = Blockstore.open(tmp_path / "b")
    with pytest.raises(IntegrityError):
        import_car(dst, io.BytesIO(bytes(car)))
    # Nothing unverified reached the store: every stored block still hashes to its key.
    stored = list(dst.iter_multihashes())
    assert stored
    for multihash in stored:
        dst.get_block(CID(1, 0x55, multihash))


def test_not_a_car(tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "a")
    for junk in (b"", b"hello world", b"\x05\xa1\x61v\x02\x00", b"\xff" * 20):
        with pytest.raises(IPFSError):
            import_car(store, io.BytesIO(junk))
