"""Transactions: EIP-1559 fees, gas estimation with a margin, nonces, signing, receipts.

A transaction is first *prepared* (estimated, priced, numbered and signed locally) and only then
*broadcast*. The split is what makes sending crash-safe: the outbox (:mod:`.outbox`) journals the
signed bytes and the hash before anything leaves the process, so a re-run can find or re-send
exactly that transaction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provenance.chain.abi import ContractABI
from provenance.chain.finality import wait_final
from provenance.chain.rpc import Receipt, RpcClient, Transaction, to_hex
from provenance.errors import ChainError, ContractRevert, TransactionDropped

if TYPE_CHECKING:
    from provenance.chain.signing import LocalSigner

__all__ = ["NonceManager", "PreparedTx", "Sender"]

GAS_MARGIN = 1.2  # estimates are exact for the state they ran on; leave room for state changes
# A transaction pending this long is checked for anvil's pool race (chain/anvil_pool.py); a devnet
# mines a ready one in milliseconds, and the check is exact (a false alarm only sends it again).
_STUCK_AFTER = 0.2


@dataclass(frozen=True)
class PreparedTx:
    """A signed transaction not necessarily sent yet. ``raw`` holds no key material."""

    raw: bytes
    hash: str
    nonce: int
    sender: str
    to: str | None
    gas: int


class NonceManager:
    """Hands out nonces per account; safe across threads in one process.

    The first nonce comes from the node's pending count; after that the manager counts locally, so
    concurrent senders in one process never collide. ``resync`` starts over from the node (after a
    dropped transaction or an external send).
    """

    def __init__(self, rpc: RpcClient) -> None:
        self._rpc = rpc
        self._next: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, address: str) -> int:
        with self._lock:
            if address not in self._next:
                self._next[address] = self._rpc.transaction_count(address, "pending")
            nonce = self._next[address]
            self._next[address] = nonce + 1
            return nonce

    def resync(self, address: str) -> None:
        with self._lock:
            self._next.pop(address, None)


class Sender:
    """Prepares, sends and confirms transactions from one local account."""

    def __init__(
        self,
        rpc: RpcClient,
        account: LocalSigner,
        *,
        chain_id: int,
        nonces: NonceManager | None = None,
        confirmations: int = 1,
    ) -> None:
        self.rpc = rpc
        self.account = account
        self.chain_id = chain_id
        # Blocks (its own included) before a mined transaction counts as final: wait() waits for
        # them (provenance.chain.finality). ``note`` is told how far it got while it waits.
        self.confirmations = confirmations
        self._anvil: bool | None = None  # asked when a transaction waits (chain/anvil_pool.py)
        self.note: Callable[[str], None] = lambda _step: None
        # Threads sharing this Sender share its nonces; separate processes are serialised by the
        # send lock, which re-reads the nonce from the node (see Session.send_lock).
        self.nonces = nonces or NonceManager(rpc)
        self._fees: tuple[float, int, int] | None = None

    @property
    def address(self) -> str:
        return str(self.account.address)

    def _fee_caps(self) -> tuple[int, int]:
        """(maxFeePerGas, maxPriorityFeePerGas); cached for a second to keep batches cheap."""
        now = time.monotonic()
        if self._fees is None or now - self._fees[0] > 1.0:
            base = self.rpc.get_block("latest").base_fee_per_gas
            tip = self.rpc.max_priority_fee()
            self._fees = (now, 2 * base + tip, tip)
        return self._fees[1], self._fees[2]

    def estimate(
        self,
        *,
        to: str | None,
        data: bytes,
        value: int = 0,
        abi: ContractABI | None = None,
        action: str = "transaction",
    ) -> int:
        """The node's gas estimate (no margin); a revert decoded with ``abi``."""
        call: dict[str, Any] = {"from": self.address, "data": to_hex(data), "value": hex(value)}
        if to is not None:
            call["to"] = to
        try:
            return self.rpc.estimate_gas(call)
        except ContractRevert as exc:
            raise (abi.explain_revert(exc, action=action) if abi else exc) from exc
        except ChainError as exc:
            if "insufficient funds" in str(exc).lower():
                raise ChainError(
                    f"account {self.address} has insufficient funds for this transaction",
                    account=self.address,
                ) from exc
            raise

    def prepare(
        self,
        *,
        to: str | None,
        data: bytes,
        value: int = 0,
        abi: ContractABI | None = None,
        action: str = "transaction",
        gas: int | None = None,
        nonce: int | None = None,
        replaces: Transaction | None = None,
    ) -> PreparedTx:
        """Estimate, price, number and sign. A revert during estimation is decoded with ``abi``.

        ``nonce`` re-signs a transaction in place of an earlier one with that nonce (fresh fees);
        ``replaces`` is that transaction as the node reports it while it is still pending: nodes
        accept a replacement only with both fee caps raised by more than 10%, so they are."""
        if gas is None:
            gas = int(
                self.estimate(to=to, data=data, value=value, abi=abi, action=action) * GAS_MARGIN
            )
        max_fee, tip = self._fee_caps()
        if replaces is not None:
            max_fee = max(max_fee, replaces.max_fee_per_gas * 9 // 8 + 1)
            tip = max(tip, replaces.max_priority_fee_per_gas * 9 // 8 + 1)
        if nonce is None:
            nonce = self.nonces.take(self.address)
        tx: dict[str, Any] = {
            "type": 2,
            "chainId": self.chain_id,
            "nonce": nonce,
            "gas": gas,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": tip,
            "value": value,
            "data": data,
        }
        if to is not None:
            tx["to"] = to
        signed = self.account.sign_transaction(tx)
        return PreparedTx(
            raw=bytes(signed.raw_transaction),
            hash="0x" + bytes(signed.hash).hex(),
            nonce=nonce,
            sender=self.address,
            to=to,
            gas=gas,
        )

    def broadcast(self, prepared: PreparedTx) -> str:
        """Send the signed bytes. Re-sending a transaction the node already knows is not an error."""
        try:
            return self.rpc.send_raw_transaction(prepared.raw)
        except ChainError as exc:
            refusal = self._refusal(exc)
            if refusal is None:
                return prepared.hash
            if refusal is exc:
                raise
            raise refusal from exc

    def broadcast_many(self, prepared: Sequence[PreparedTx]) -> list[ChainError | None]:
        """Send signed transactions in one JSON-RPC batch (split if the node caps batches), in
        nonce order; what the node answered to each: None when it took it (or knew it already),
        else why not. ChainError when the node could not be reached: then which of them it took
        is unknown (a resume asks it)."""
        answers = self.rpc.request_many(
            [("eth_sendRawTransaction", [to_hex(item.raw)]) for item in prepared]
        )
        return [self._refusal(a) if isinstance(a, ChainError) else None for a in answers]

    def _refusal(self, exc: ChainError) -> ChainError | None:
        """What a node's error to a send means: None when it already has the transaction."""
        text = str(exc).lower()
        if "already known" in text or "already imported" in text:
            return None
        if "nonce too low" in text:
            self.nonces.resync(self.address)
        if "insufficient funds" in text:
            return ChainError(
                f"account {self.address} has insufficient funds for this transaction",
                account=self.address,
            )
        return exc

    def wait(
        self, tx_hash: str, *, timeout: float = 120.0, poll: float = 0.05, forget: float = 10.0
    ) -> Receipt:
        """The receipt once final (``confirmations``), polling with back-off; ChainError naming
        the hash on timeout, TransactionDropped when a reorganisation dropped it for good or the
        node has not known it (neither mined nor pending) for ``forget`` seconds."""
        deadline = time.monotonic() + timeout
        unknown_since: float | None = None
        pending_since: float | None = None
        while True:
            receipt = self.rpc.get_receipt(tx_hash)
            pending = self.rpc.get_transaction(tx_hash) if receipt is None else None
            if receipt is None and pending is None:
                # Sent, yet neither mined nor pending: a reorganisation took it off the chain
                # (nodes do not always put it back in their pool) or the pool evicted it. A
                # moment's grace: a load-balanced endpoint may not have seen it yet.
                now = time.monotonic()
                unknown_since = unknown_since or now
                if now - unknown_since > forget:
                    raise TransactionDropped(tx_hash, block=None)
            else:
                unknown_since = None
            if pending is not None:
                now = time.monotonic()
                pending_since = pending_since or now
                if now - pending_since > _STUCK_AFTER and self._release_if_stuck(pending):
                    pending_since = None
            if receipt is not None:
                return wait_final(
                    self.rpc, receipt, confirmations=self.confirmations, note=self.note
                )
            if time.monotonic() > deadline:
                raise ChainError(
                    f"no receipt for {tx_hash} after {timeout:.0f} s (still pending?)",
                    tx_hash=tx_hash,
                )
            time.sleep(poll)
            poll = min(poll * 1.5, 1.0)

    def _release_if_stuck(self, pending: Transaction) -> bool:
        """On anvil, a transaction its pool left queued though its nonce is next is sent again
        (chain/anvil_pool.py); elsewhere nothing."""
        from provenance.chain import anvil_pool

        if self._anvil is None:
            self._anvil = anvil_pool.is_anvil(self.rpc)
        try:
            return self._anvil and anvil_pool.release_if_stuck(self.rpc, pending)
        except ChainError:  # the check could not be made: the wait goes on, as without it
            return False

    def receipts(self, tx_hashes: list[str], *, patience: float = 5.0) -> dict[str, Receipt]:
        """The receipts of many transactions, asked in one JSON-RPC batch per poll (back-off from
        2 ms) instead of one request each; those still missing after ``patience`` seconds are
        left out (:meth:`wait` then waits for each, with its timeout and dropped-transaction
        rules). Receipts only: the caller waits for confirmations."""
        found: dict[str, Receipt] = {}
        missing = list(tx_hashes)
        started = time.monotonic()
        deadline = started + patience
        checked = started
        poll = 0.002
        while missing:
            answers = self.rpc.request_many(
                [("eth_getTransactionReceipt", [tx_hash]) for tx_hash in missing]
            )
            for tx_hash, answer in zip(missing, answers, strict=True):
                if isinstance(answer, ChainError):
                    raise answer
                if answer:
                    found[tx_hash] = Receipt.from_json(dict(answer))
            missing = [tx_hash for tx_hash in missing if tx_hash not in found]
            now = time.monotonic()
            if not missing or now > deadline:
                break
            if now - checked > _STUCK_AFTER:  # the first one missing holds the others up?
                checked = now
                pending = self.rpc.get_transaction(missing[0])
                if pending is not None:
                    self._release_if_stuck(pending)
            time.sleep(poll)
            poll = min(poll * 2, 0.02)  # a devnet mines in milliseconds: never oversleep by much
        return found

    def transact(self, **kwargs: Any) -> Receipt:
        """Prepare, broadcast and wait; raises on a failed receipt. Not journaled: for throwaway
        chains (tests); the toolkit sends through :mod:`provenance.chain.outbox`."""
        prepared = self.prepare(**kwargs)
        self.broadcast(prepared)
        receipt = self.wait(prepared.hash)
        if not receipt.succeeded:
            raise ChainError(f"transaction {prepared.hash} failed on chain", tx_hash=prepared.hash)
        return receipt
