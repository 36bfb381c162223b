"""The pin set as an append-only log: a pin costs one appended line (not a rewrite of every pin),
a torn last line from a crash is ignored and cut off, a ``pins.json`` from an older version is
migrated on the first change (reads never write), and two stores on one folder see each other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance.errors import IPFSError
from provenance.ipfs import Blockstore, add_bytes

from .conftest import deterministic_bytes


def stored(store: Blockstore, n: int, seed: int = 0) -> list[str]:
    return [
        str(add_bytes(deterministic_bytes(50, seed=seed + i), store=store).cid) for i in range(n)
    ]


def test_each_pin_appends_one_line_and_rewrites_nothing(tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "blocks")
    cids = stored(store, 30)
    log = tmp_path / "blocks" / "pins.log"
    before = b""
    for cid in cids:
        store.pin(cid)
        after = log.read_bytes()
        assert after == before + f"+{cid}\n".encode()  # the old bytes untouched: appended only
        before = after
    store.pin(cids[0])  # pinning again changes nothing
    assert log.read_bytes() == before
    assert store.pins() == sorted(cids)
    assert not (tmp_path / "blocks" / "pins.json").exists()


def test_a_torn_last_line_is_ignored_then_cut_off(tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "blocks")
    first, second = stored(store, 2)
    store.pin(first)
    log = tmp_path / "blocks" / "pins.log"
    with log.open("ab") as handle:  # a crash in the middle of appending the second pin
        handle.write(f"+{second}"[:20].encode())
    assert Blockstore.open(tmp_path / "blocks").pins() == [first]
    fresh = Blockstore.open(tmp_path / "blocks")
    fresh.pin(second)
    assert log.read_text() == f"+{first}\n+{second}\n"
    assert fresh.pins() == sorted([first, second])


def test_a_damaged_line_is_an_error_not_a_smaller_pin_set(tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "blocks")
    (cid,) = stored(store, 1)
    store.pin(cid)
    log = tmp_path / "blocks" / "pins.log"
    log.write_text(f"+{cid}\n?garbage\n")
    with pytest.raises(IPFSError, match="malformed pin log"):
        Blockstore.open(tmp_path / "blocks").pins()


def test_pins_json_is_read_as_is_and_migrated_on_the_first_change(tmp_path: Path) -> None:
    store = Blockstore.open(tmp_path / "blocks")
    old, new = stored(store, 2)
    legacy = tmp_path / "blocks" / "pins.json"
    legacy.write_text(json.dumps({"recursive": [old]}))
    assert store.pins() == [old]
    assert legacy.exists() and not (tmp_path / "blocks" / "pins.log").exists()  # read-only
    assert store.gc() == 1  # the legacy pins still protect their DAGs
    stored(store, 1, seed=1)  # `new` again
    store.pin(new)
    assert not legacy.exists()
    assert store.pins() == sorted([old, new])


def test_unpins_from_another_store_are_seen_and_the_log_compacts(tmp_path: Path) -> None:
    a = Blockstore.open(tmp_path / "blocks")
    b = Blockstore.open(tmp_path / "blocks")
    cids = stored(a, 80)
    for cid in cids:
        a.pin(cid)
    assert b.pins() == sorted(cids)
    for cid in cids[:70]:
        b.unpin(cid)
    assert a.pins() == sorted(cids[70:])
    log = tmp_path / "blocks" / "pins.log"
    assert len(log.read_text().splitlines()) < 80 + 70  # rewritten once mostly redundant
    a.pin(cids[0])
    assert b.pins() == sorted([cids[0], *cids[70:]])
    assert a.gc() == 69
