"""The order that makes a batch crash-safe, while its window's sync runs on a thread: a window's
blocks are durable before any of its transactions is journaled as signed (and so before any is
sent), even when the sync is slow."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

from provenance.chain.accounts import dev_accounts
from provenance.chain.tx import Sender
from provenance.ipfs.blockstore import Blockstore
from provenance.workflows import batch

from .conftest import invoke, make_artwork, run_cli

DONOR = dev_accounts(2)[1].address
KINDS = ("synced", "after-sign", "send")


def test_each_window_is_synced_before_it_is_signed_and_sent(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, object]] = []
    sync = Blockstore._sync

    def slow_sync(self: Blockstore, paths: list[Path]) -> None:
        time.sleep(0.2)  # a slow disk: without the wait, signing and sending would go first
        sync(self, paths)
        events.append(("synced", {path.name for path in paths}))

    def record(name: str) -> None:
        events.append((name, None))

    broadcast = Sender.broadcast_many

    def record_send(self: Sender, prepared: list[object]) -> object:
        events.extend(("send", None) for _ in prepared)
        return broadcast(self, prepared)  # type: ignore[arg-type]

    monkeypatch.setattr(Blockstore, "_sync", slow_sync)
    monkeypatch.setattr(batch, "failpoint", record)
    monkeypatch.setattr(Sender, "broadcast_many", record_send)
    _mint_eight(tmp_path / "works", seed=9000, window=4)
    at = {kind: [i for i, (name, _) in enumerate(events) if name == kind] for kind in KINDS}
    synced, signed, sent = at["synced"], at["after-sign"], at["send"]
    assert (len(synced), len(signed), len(sent)) == (2, 2, 8), events
    # Each window of 4: its blocks synced, then its transactions signed and journaled, then sent.
    assert synced[0] < signed[0] < sent[0] and synced[1] < signed[1] < sent[4], events
    windows = [files for name, files in events if name == "synced"]
    assert all(len(files) == 4 * 2 + 1 for files in windows), windows  # 2 blocks a work, the pins


def test_the_main_thread_signs_two_windows_ahead_of_a_slow_node(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the node takes one window's transactions, the next two windows are staged and
    signed: the main thread does not wait for each window's last send (nor the node, then, for
    the main thread's next window)."""
    events: list[str] = []
    broadcast = Sender.broadcast_many

    def slow_broadcast(self: Sender, prepared: list[object]) -> object:
        time.sleep(0.15 * len(prepared))  # a slow node: staging and signing a window takes less
        answer = broadcast(self, prepared)  # type: ignore[arg-type]
        events.extend("sent" for _ in prepared)
        return answer

    monkeypatch.setattr(batch, "failpoint", lambda name: events.append(name))
    monkeypatch.setattr(Sender, "broadcast_many", slow_broadcast)
    _mint_eight(tmp_path / "ahead", seed=9100, window=2)
    signed = [i for i, name in enumerate(events) if name == "after-sign"]
    sent = [i for i, name in enumerate(events) if name == "sent"]
    assert (len(signed), len(sent)) == (4, 8), events
    # Windows 2 and 3 signed before the first window's transactions are sent.
    assert signed[2] < sent[1], events


def _mint_eight(folder: Path, *, seed: int, window: int) -> None:
    """``mint-batch`` of 8 fresh works in windows of ``window``, in this process (the tests'
    patches apply), on the devnet with the collection deployed first (its transaction is not
    one of the batch's)."""
    folder.mkdir()
    names = [make_artwork(folder / f"w{i}.png", seed=seed + i).name for i in range(8)]
    donors = folder / "donors.csv"
    with donors.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["artwork", "donor"])
        writer.writerows([name, DONOR] for name in names)
    assert run_cli("chain", "up").returncode == 0
    assert run_cli("deploy").returncode == 0
    args = ["mint-batch", str(folder), "--donors", str(donors), "--window", str(window)]
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["minted"] == 8
