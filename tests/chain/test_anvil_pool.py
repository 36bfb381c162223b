"""anvil's pool race (chain/anvil_pool.py), on a real anvil: a transaction queued although its
nonce is the account's next is sent again by the waiting sender, and the ones behind it follow."""

from __future__ import annotations

import time

import pytest

from provenance.chain.accounts import dev_accounts
from provenance.chain.rpc import RpcClient
from provenance.chain.tx import Sender
from provenance.errors import ChainError

ME, OTHER = dev_accounts(2)


def _stuck_pair(rpc: RpcClient, sender: Sender) -> list[str]:
    """Two transfers queued behind a nonce the chain then skips (``anvil_setNonce``): the state
    the race leaves (the first one's nonce is next, nothing promotes it)."""
    start = rpc.transaction_count(ME.address, "latest")
    hashes = []
    for nonce in (start + 1, start + 2):
        prepared = sender.prepare(to=OTHER.address, data=b"", value=1, gas=21_000, nonce=nonce)
        hashes.append(rpc.send_raw_transaction(prepared.raw))
    rpc.request("anvil_setNonce", [ME.address, hex(start + 1)])
    assert rpc.request("txpool_status") == {"pending": "0x0", "queued": "0x2"}
    assert rpc.transaction_count(ME.address, "latest") == start + 1
    return hashes


def test_a_transaction_anvil_left_queued_is_sent_again(anvil: str) -> None:
    rpc = RpcClient(anvil)
    sender = Sender(rpc, ME, chain_id=rpc.chain_id())
    first, second = _stuck_pair(rpc, sender)
    started = time.monotonic()
    receipt = sender.wait(first, timeout=15)  # before: "no receipt ... after 15 s"
    assert receipt.succeeded
    assert sender.wait(second, timeout=15).succeeded  # promoted once the first was mined
    assert time.monotonic() - started < 5
    assert rpc.request("txpool_status") == {"pending": "0x0", "queued": "0x0"}


def test_a_transaction_waiting_behind_a_real_gap_is_left_alone(anvil: str) -> None:
    """Queued behind a nonce nobody sent: nothing to release (it should wait), so it waits."""
    rpc = RpcClient(anvil)
    sender = Sender(rpc, ME, chain_id=rpc.chain_id())
    start = rpc.transaction_count(ME.address, "latest")
    prepared = sender.prepare(to=OTHER.address, data=b"", value=1, gas=21_000, nonce=start + 1)
    tx_hash = rpc.send_raw_transaction(prepared.raw)
    with pytest.raises(ChainError, match="no receipt"):
        sender.wait(tx_hash, timeout=2.5)
    assert rpc.request("txpool_status") == {"pending": "0x0", "queued": "0x1"}


def test_a_check_that_cannot_be_made_leaves_the_wait_as_it_was(
    anvil: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool cannot be read (an anvil behind a proxy without ``txpool_*``): no release, and
    the wait ends as a wait without the check would, not with the check's error."""
    rpc = RpcClient(anvil)
    sender = Sender(rpc, ME, chain_id=rpc.chain_id())
    first, _second = _stuck_pair(rpc, sender)
    request = RpcClient.request

    def no_pool(self: RpcClient, method: str, params: list[object] | None = None) -> object:
        if method == "txpool_content":
            raise ChainError("RPC txpool_content failed: Method not found")
        return request(self, method, params)  # type: ignore[arg-type]

    monkeypatch.setattr(RpcClient, "request", no_pool)
    with pytest.raises(ChainError, match="no receipt"):
        sender.wait(first, timeout=1.5)
