"""The outbox driver's resume outcomes, each against a fake node (an httpx transport).

The kill -9 suites (tests/workflows/test_crash_safety.py, test_concurrency.py and the adversarial
kill loops) drive the same code against a real anvil; here each branch of :meth:`Outbox.resume`
is reached on purpose, in milliseconds, and what was sent (or not) is read off the wire.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account.typed_transactions import TypedTransaction
from eth_hash.auto import keccak
from hexbytes import HexBytes

from provenance.chain.accounts import dev_accounts
from provenance.chain.address import to_checksum
from provenance.chain.outbox import Journaled, JournalSlot, Outbox, Outcome, TxCall
from provenance.chain.rpc import RpcClient
from provenance.chain.tx import Sender
from provenance.errors import ConfigError, InputError
from provenance.state.journal import Journal

ME, OTHER = dev_accounts(2)
CALL = TxCall(to=to_checksum("0x" + "ab" * 20), data=b"\x01\x02", action="test")
GWEI = 10**9


@dataclass
class FakeNode:
    """Just enough of a node: receipts, a mempool, nonce counts, a base fee, refusals."""

    base_fee: int = GWEI
    latest: int = 0  # mined nonces of every account
    pending_count: int | None = None
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    mempool: dict[str, dict[str, Any]] = field(default_factory=dict)
    refuse: Callable[[bytes], str | None] = lambda _raw: None  # an error message, or accept
    reverts: bool = False
    received: list[bytes] = field(default_factory=list)

    def answer(self, method: str, params: list[Any]) -> Any:
        if method == "eth_getTransactionReceipt":
            return self.receipts.get(params[0])
        if method == "eth_getTransactionByHash":
            return self.mempool.get(params[0])
        if method == "eth_getBlockByNumber":
            return {"number": "0x10", "timestamp": "0x1", "baseFeePerGas": hex(self.base_fee)}
        if method == "eth_maxPriorityFeePerGas":
            return hex(GWEI)
        if method == "eth_getTransactionCount":
            count = self.latest if params[1] == "latest" else self.pending_count
            return hex(self.latest if count is None else count)
        if method == "eth_estimateGas":
            if self.reverts:
                raise RpcRefusal({"code": 3, "message": "execution reverted", "data": "0x"})
            return hex(50_000)
        if method == "eth_sendRawTransaction":
            raw = bytes.fromhex(params[0][2:])
            refusal = self.refuse(raw)
            if refusal:
                raise RpcRefusal({"code": -32000, "message": refusal})
            self.received.append(raw)
            return "0x" + keccak(raw).hex()
        raise AssertionError(f"unexpected {method}")

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            body = json.loads(request.content)
            reply: dict[str, Any] = {"jsonrpc": "2.0", "id": body["id"]}
            try:
                reply["result"] = self.answer(body["method"], body["params"])
            except RpcRefusal as refusal:
                reply["error"] = refusal.error
            return httpx.Response(200, json=reply)

        return httpx.MockTransport(handle)

    def hold(self, journaled: Journaled, *, max_fee: int) -> None:
        """Put the journaled transaction in the mempool with the given fee cap."""
        self.mempool[journaled.tx_hash] = {
            "hash": journaled.tx_hash,
            "nonce": hex(journaled.nonce),
            "from": journaled.sender,
            "to": CALL.to,
            "maxFeePerGas": hex(max_fee),
            "maxPriorityFeePerGas": hex(GWEI),
        }


class RpcRefusal(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        self.error = error


class MemorySlot:
    description = "test intent"
    where = "memory"

    def __init__(self) -> None:
        self.journaled: Journaled | None = None
        self.sent = False
        self.cleared = False

    def journaled_call(self) -> TxCall | None:
        return None

    def load(self) -> Journaled | None:
        return self.journaled

    def save_signed(self, journaled: Journaled, call: TxCall) -> None:
        self.journaled, self.sent = journaled, False

    def mark_sent(self) -> None:
        self.sent = True

    def found_mined(self, tx_hash: str) -> None:
        assert self.journaled is not None
        self.journaled = Journaled(
            tx_hash, self.journaled.raw_tx, self.journaled.nonce, self.journaled.sender
        )

    def clear(self) -> None:
        self.journaled, self.cleared = None, True


def fields_of(raw: bytes) -> dict[str, Any]:
    return dict(TypedTransaction.from_bytes(HexBytes(raw)).as_dict())


def journaled_outbox(
    node: FakeNode, *, account: Any = ME, nonce: int = 5
) -> tuple[Outbox, Journaled]:
    """An outbox whose slot holds a transaction signed (never sent) with ``nonce``."""
    rpc = RpcClient("http://node.invalid", transport=node.transport())
    slot = MemorySlot()
    signer = Outbox(Sender(rpc, account, chain_id=31337), slot)
    prepared = signer.sender.prepare(to=CALL.to, data=CALL.data, nonce=nonce, gas=50_000)
    slot.journaled = Journaled(prepared.hash, prepared.raw, nonce, prepared.sender)
    return Outbox(Sender(rpc, ME, chain_id=31337), slot), slot.journaled


def receipt(tx_hash: str) -> dict[str, Any]:
    return {"transactionHash": tx_hash, "status": "0x1", "blockNumber": "0x9", "logs": []}


def test_mined_returns_its_receipt_and_sends_nothing() -> None:
    node = FakeNode(latest=6)
    outbox, journaled = journaled_outbox(node)
    node.receipts[journaled.tx_hash] = receipt(journaled.tx_hash)
    found = outbox.resume(CALL)
    assert found.outcome is Outcome.MINED and found.tx_hash == journaled.tx_hash
    assert found.receipt is not None and found.receipt.block_number == 9
    assert node.received == []


def test_an_earlier_attempt_mined_becomes_the_journaled_hash() -> None:
    node = FakeNode(latest=6)
    outbox, journaled = journaled_outbox(node)
    earlier = "0x" + "11" * 32
    outbox.slot.journaled = Journaled(  # type: ignore[attr-defined]
        journaled.tx_hash, journaled.raw_tx, 5, journaled.sender, attempts=[earlier]
    )
    node.receipts[earlier] = receipt(earlier)
    found = outbox.resume(CALL)
    assert found.outcome is Outcome.MINED and found.tx_hash == earlier
    assert outbox.slot.load().tx_hash == earlier  # type: ignore[union-attr]


def test_pending_at_the_base_fee_is_waited_for() -> None:
    node = FakeNode(latest=5, pending_count=6)
    outbox, journaled = journaled_outbox(node)
    node.hold(journaled, max_fee=node.base_fee)
    found = outbox.resume(CALL)
    assert found.outcome is Outcome.PENDING and found.tx_hash == journaled.tx_hash
    assert node.received == [] and outbox.slot.sent  # type: ignore[attr-defined]


def test_pending_under_the_base_fee_is_replaced_with_the_same_nonce() -> None:
    node = FakeNode(latest=5, pending_count=6, base_fee=50 * GWEI)
    outbox, journaled = journaled_outbox(node)
    node.hold(journaled, max_fee=3 * GWEI)
    found = outbox.resume(CALL)
    assert found.outcome is Outcome.REPLACED and found.tx_hash != journaled.tx_hash
    (sent,) = node.received
    replacement = fields_of(sent)
    assert replacement["nonce"] == 5
    assert replacement["maxFeePerGas"] > 3 * GWEI * 11 // 10  # past the node's 10% rule
    assert replacement["maxPriorityFeePerGas"] > GWEI * 11 // 10
    now = outbox.slot.load()
    assert now is not None and now.tx_hash == found.tx_hash and now.attempts == [journaled.tx_hash]


def test_unknown_to_the_node_is_sent_again_byte_for_byte() -> None:
    node = FakeNode(latest=5)
    outbox, journaled = journaled_outbox(node)
    found = outbox.resume(CALL)
    assert found.outcome is Outcome.RESENT and found.tx_hash == journaled.tx_hash
    assert node.received == [journaled.raw_tx]


def test_refused_bytes_are_signed_again_with_the_same_nonce() -> None:
    node = FakeNode(latest=5)
    outbox, journaled = journaled_outbox(node)
    node.base_fee = 10 * GWEI  # the base fee rose past the journaled fee cap: the node refuses it
    node.refuse = lambda raw: (
        "max fee per gas less than block base fee"
        if fields_of(raw)["maxFeePerGas"] < node.base_fee
        else None
    )
    found = outbox.resume(CALL)
    assert found.outcome is Outcome.RESIGNED and found.tx_hash != journaled.tx_hash
    (sent,) = node.received
    assert fields_of(sent)["nonce"] == 5
    assert outbox.slot.load().attempts == [journaled.tx_hash]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("latest", "pending", "reverts", "outcome"),
    [
        (6, None, False, Outcome.NONCE_TAKEN),  # another transaction was mined with nonce 5
        (2, 3, False, Outcome.GAP),  # the chain lost nonces 3 and 4 (a reset devnet)
        (5, None, True, Outcome.WOULD_REVERT),  # the state changed: it would only revert
    ],
)
def test_a_transaction_that_can_never_succeed_is_dropped_unsent(
    latest: int, pending: int | None, reverts: bool, outcome: Outcome
) -> None:
    node = FakeNode(latest=latest, pending_count=pending, reverts=reverts)
    outbox, _ = journaled_outbox(node)
    found = outbox.resume(CALL)
    assert found.outcome is outcome and found.dropped and found.tx_hash is None
    assert node.received == [] and outbox.slot.cleared  # type: ignore[attr-defined]


def test_another_accounts_live_transaction_is_refused_by_name() -> None:
    node = FakeNode(latest=5)
    outbox, journaled = journaled_outbox(node, account=OTHER)
    with pytest.raises(InputError, match=f"by {OTHER.address} is pending.*not {ME.address}"):
        outbox.resume(CALL)
    assert node.received == [] and outbox.slot.load() == journaled
    node.latest = 6  # its nonce was taken: it can never be mined, so it is dropped
    assert outbox.resume(CALL).outcome is Outcome.NONCE_TAKEN


class Killed(Exception):
    """Stands for kill -9 at a failpoint."""


def test_transact_finishes_the_journaled_call_and_builds_afresh_only_when_needed(
    tmp_path: Path,
) -> None:
    node = FakeNode(latest=0)
    rpc = RpcClient("http://node.invalid", transport=node.transport())
    journal = Journal(tmp_path / "journal.sqlite")
    built: list[TxCall] = []
    intent_checked: list[bool] = []

    def build() -> TxCall:
        built.append(CALL)
        return CALL

    def outbox(failpoint: Callable[[str], None] = lambda _name: None) -> Outbox:
        slot = JournalSlot(journal, "test:1", chain_id=31337, description="test")
        return Outbox(Sender(rpc, ME, chain_id=31337), slot, failpoint=failpoint)

    def killed_after_sign(name: str) -> None:
        if name == "after-sign":
            raise Killed

    with pytest.raises(Killed):
        outbox(killed_after_sign).transact(build)
    journaled = journal.transaction("test:1")
    assert journaled is not None and node.received == [] and len(built) == 1

    def mine_when_sent(raw: bytes) -> None:
        tx_hash = "0x" + keccak(raw).hex()
        node.receipts[tx_hash] = receipt(tx_hash)

    node.refuse = lambda raw: mine_when_sent(raw)  # type: ignore[func-returns-value]
    sent = outbox().transact(build, same_intent=lambda: intent_checked.append(True))
    assert sent.resumed and sent.receipt.tx_hash == journaled.tx_hash
    assert node.received == [journaled.raw_tx] and len(built) == 1  # not rebuilt: resumed
    assert intent_checked == [True] and journal.transaction("test:1") is None
    node.latest = 1

    # Journaled again, then the state changes so that it would revert: dropped, rebuilt (and the
    # rebuild's checks refuse it), nothing sent.
    with pytest.raises(Killed):
        outbox(killed_after_sign).transact(build)
    node.reverts = True

    def refuse() -> TxCall:
        raise InputError("the offer was already redeemed")

    with pytest.raises(InputError, match="already redeemed"):
        outbox().transact(refuse)
    assert len(node.received) == 1 and journal.transaction("test:1") is None


def test_a_mint_signed_by_another_account_is_refused_by_name(tmp_path: Path) -> None:
    """The mints table keeps no sender: the slot reads it from the signed bytes, so a mint
    signed by one account is not finished (nor its nonce judged) as another's."""
    from provenance.workflows.mint_send import MintSlot

    node = FakeNode(latest=5)
    outbox, journaled = journaled_outbox(node, account=OTHER)
    journal = Journal(tmp_path / "journal.sqlite")
    entry = journal.create(
        chain_id=31337,
        contract=CALL.to,
        image_sha256="ab" * 32,
        artwork="art.png",
        donor=ME.address,
        image_cid="bafkreiimage",
        metadata_cid="bafkreimetadata",
        metadata_sha256="cd" * 32,
        metadata=b"{}",
    )
    entry = journal.update(
        entry, state="signed", tx_hash=journaled.tx_hash, raw_tx=journaled.raw_tx, nonce=5
    )
    slot = MintSlot(journal, entry)
    loaded = slot.load()
    assert loaded is not None and loaded.sender == OTHER.address
    mine = Outbox(outbox.sender, slot)
    with pytest.raises(InputError, match=f"mint of this artwork by {OTHER.address} is pending"):
        mine.resume(CALL)
    assert node.received == []
    journal.update(entry, raw_tx=b"\x02garbage")
    with pytest.raises(ConfigError, match="damaged signed transaction"):
        MintSlot(journal, entry).load()
