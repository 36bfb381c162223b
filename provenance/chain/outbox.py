"""The journaled outbox: the one driver every transaction of the toolkit goes through.

Mints, batches, redemptions, releases, cancellations, role changes, deployments and ``collection
set`` all send with :class:`Outbox`; only the slot differs (where the journal keeps the signed
transaction). One policy:

1. *Journal before broadcast.* The transaction is signed locally and its raw bytes, hash and nonce
   are written to a :class:`TxSlot` (a row of ``journal.sqlite``) before anything leaves the
   process. A crash at any point leaves either nothing sent, or a journaled transaction.
2. *One signer at a time.* :meth:`Outbox.transact` holds the send lock (``Home.send_lock``, see
   :func:`send_lock`) from the journal read to the broadcast, and re-reads the nonce from the node
   under it: two commands finishing one intent, or sharing an account, never both sign.
3. *Resume, never double-send.* A re-run finds the journaled transaction and asks the node about
   it (and about every earlier attempt it replaced); :class:`Outcome` names what it found:

   ============== ====================================================================
   ``MINED``      it (or an earlier attempt) has a receipt
   ``PENDING``    the node holds it with a fee cap at or above the base fee: wait
   ``REPLACED``   the node holds it under the base fee: same nonce, both fee caps raised
                  past the node's 10% rule
   ``RESENT``     the node does not know it: the same signed bytes are sent again
   ``RESIGNED``   the node refused those bytes (a fee cap now under the base fee): the same
                  nonce is signed again with fresh fees
   ``GAP``        dropped: its nonce lies behind a gap the chain lost (a reset devnet)
   ``NONCE_TAKEN`` dropped: another transaction of its sender was mined with its nonce
   ``WOULD_REVERT`` dropped: unknown to the node, and the chain's state changed so that it
                  would now revert (an offer redeemed before its cancellation was sent)
   ============== ====================================================================

   A dropped transaction's slot is cleared and the caller builds the call afresh, re-running its
   checks (a mint first checks that the artwork was not minted meanwhile). Nothing is re-sent that
   the node says would fail.
4. *Final, not just mined.* :meth:`Outbox.finish` (and a mint's confirm, through
   :func:`final_receipt`) waits for the chain's confirmations (``--confirmations``, per network,
   :mod:`provenance.chain.finality`) before it clears the slot. A reorganisation that drops the
   transaction meanwhile raises :class:`~provenance.errors.TransactionDropped` and leaves it
   journaled: the re-run resumes it as above (``RESENT`` while its nonce is free, ``NONCE_TAKEN``
   when another transaction took it, and the caller decides afresh).
5. *Finish only what was asked.* A re-run whose options differ from the journaled intent (another
   donation, another message) is refused by name (:meth:`JournalSlot.check_intent`), and a
   transaction journaled by another account is finished only by that account.

The slot is the caller's: a mint keeps its transaction beside its content in the ``mints`` table
(``workflows.mint_send.MintSlot``), every other intent in the ``transactions`` table
(:class:`JournalSlot`), so that what the journal says about an intent is in one row. Within one
process the :class:`~provenance.chain.tx.NonceManager` counts nonces.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provenance.chain.rpc import Receipt, Transaction, to_hex
from provenance.chain.slots import Journaled, JournalSlot, TxCall, TxSlot
from provenance.chain.tx import PreparedTx, Sender
from provenance.errors import ChainError, ContractRevert, InputError, SendError
from provenance.state.home import file_lock

__all__ = [
    "JournalSlot",
    "Journaled",
    "Outbox",
    "Outcome",
    "Resumed",
    "SendError",
    "Sent",
    "Started",
    "TxCall",
    "TxSlot",
    "final_receipt",
    "not_sent",
    "send_lock",
]


class Outcome(enum.Enum):
    """What a re-run found of a journaled transaction (see the module docstring)."""

    MINED = "mined"
    PENDING = "pending"
    REPLACED = "replaced"
    RESENT = "resent"
    RESIGNED = "re-signed"
    GAP = "gap"
    NONCE_TAKEN = "nonce-taken"
    WOULD_REVERT = "would-revert"

    @property
    def dropped(self) -> bool:
        """The journaled transaction can never be mined; its slot was cleared."""
        return self in (Outcome.GAP, Outcome.NONCE_TAKEN, Outcome.WOULD_REVERT)


@dataclass(frozen=True)
class Resumed:
    """What a re-run found: ``receipt`` when mined; ``tx_hash`` None when dropped."""

    outcome: Outcome
    tx_hash: str | None
    receipt: Receipt | None = None

    @property
    def dropped(self) -> bool:
        return self.outcome.dropped


@dataclass(frozen=True)
class Started:
    """A transaction on its way: ``resumed`` is what a re-run found (None: sent afresh)."""

    tx_hash: str
    receipt: Receipt | None = None  # already mined
    resumed: Resumed | None = None


@dataclass(frozen=True)
class Sent:
    """A transaction mined successfully; ``resumed`` when it was an interrupted run's."""

    receipt: Receipt
    resumed: bool


def fee_cap_below_base_fee(pending: Transaction, base_fee: int) -> bool:
    """Whether a pending transaction can no longer be included."""
    return pending.max_fee_per_gas < base_fee


@contextmanager
def send_lock(sender: Sender | None, path: Path) -> Iterator[None]:
    """One signing process at a time per state folder, from the journal read to the broadcast.
    The nonce is re-read from the node under the lock: another process may have sent meanwhile."""
    with file_lock(path):
        if sender is not None:
            sender.nonces.resync(sender.address)
        yield


def final_receipt(sender: Sender, tx_hash: str, receipt: Receipt | None) -> Receipt:
    """``tx_hash``'s receipt once final: waited for when not yet mined, or when the chain wants
    more than one confirmation (a receipt seen earlier may be reorganised away meanwhile).
    :class:`~provenance.errors.TransactionDropped` when a reorganisation dropped it for good; the
    caller leaves its slot journaled, so that a re-run resumes it."""
    if receipt is not None and sender.confirmations <= 1:
        return receipt
    return sender.wait(tx_hash)


def not_sent(call: TxCall, prepared: PreparedTx, why: ChainError) -> SendError:
    """The error of a journaled transaction the node did not take (``why``: its answer)."""
    return SendError(
        f"could not send {call.action} transaction {prepared.hash}: {why}", tx_hash=prepared.hash
    )


def _no_failpoint(_name: str) -> None:
    return None


class Outbox:
    """Send one intent's transaction through its journal slot (see the module docstring).

    ``lock`` is entered by :meth:`transact` (callers that send many transactions under one lock,
    like a batch, hold it themselves and call :meth:`start`). ``failpoint`` is called with
    ``after-sign``, ``after-send`` and ``before-receipt`` (prefixed with ``failpoint_prefix``):
    the crash tests kill the process there.
    """

    def __init__(
        self,
        sender: Sender,
        slot: TxSlot,
        *,
        lock: Callable[[], AbstractContextManager[None]] = nullcontext,
        failpoint: Callable[[str], None] = _no_failpoint,
        failpoint_prefix: str = "",
    ) -> None:
        self.sender = sender
        self.slot = slot
        self.lock = lock
        self._failpoint = failpoint
        self._prefix = failpoint_prefix

    def send(
        self,
        call: TxCall,
        *,
        nonce: int | None = None,
        replaces: str | None = None,
        pending: Transaction | None = None,
    ) -> PreparedTx:
        """Sign, journal, broadcast. ``nonce``/``replaces``/``pending`` re-sign in place of a
        journaled transaction (its nonce, fee caps raised past ``pending``'s)."""
        prepared = self.sign(call, nonce=nonce, replaces=replaces, pending=pending)
        self._failpoint(self._prefix + "after-sign")
        self.deliver(call, prepared)
        self.slot.mark_sent()
        self._failpoint(self._prefix + "before-receipt")
        return prepared

    def sign(
        self,
        call: TxCall,
        *,
        gas: int | None = None,
        nonce: int | None = None,
        replaces: str | None = None,
        pending: Transaction | None = None,
    ) -> PreparedTx:
        """Sign and journal, not broadcast: the first half of :meth:`send`, for callers that
        journal many transactions in one commit before sending any (a batch's window). ``gas``
        skips the node's estimate (the caller estimated this shape of call already)."""
        prepared = self.sender.prepare(
            to=call.to,
            data=call.data,
            value=call.value,
            abi=call.abi,
            action=call.action,
            gas=gas,
            nonce=nonce,
            replaces=pending,
        )
        earlier = self.slot.load() if replaces else None
        attempts = (earlier.attempts if earlier else []) + ([replaces] if replaces else [])
        self.slot.save_signed(
            Journaled(
                tx_hash=prepared.hash,
                raw_tx=prepared.raw,
                nonce=prepared.nonce,
                sender=prepared.sender,
                attempts=attempts,
            ),
            call,
        )
        return prepared

    def deliver(self, call: TxCall, prepared: PreparedTx) -> None:
        """Broadcast a transaction :meth:`sign` journaled (durably: the caller's commit came
        first); ``SendError`` when the node does not take it. The caller marks the slot sent."""
        try:
            self.sender.broadcast(prepared)
        except ChainError as exc:
            raise not_sent(call, prepared, exc) from exc
        self._failpoint(self._prefix + "after-send")

    def resume(self, call: TxCall) -> Resumed:
        """Finish the journaled transaction as far as the node allows (see the module docstring)."""
        journaled = self.slot.load()
        if journaled is None:
            raise ValueError("nothing journaled to resume")
        rpc = self.sender.rpc
        current = journaled.tx_hash
        receipts = {h: rpc.get_receipt(h) for h in [current, *journaled.attempts]}
        pending = rpc.get_transaction(current)
        if journaled.sender != self.sender.address:
            known = pending is not None or any(r is not None for r in receipts.values())
            return self._foreign(journaled, known=known)
        for tx_hash, receipt in receipts.items():
            if receipt is not None:
                if tx_hash != current:  # an earlier attempt was mined after all
                    self.slot.found_mined(tx_hash)
                return Resumed(Outcome.MINED, tx_hash, receipt)
        if pending is not None:
            base_fee = rpc.get_block("latest").base_fee_per_gas
            if not fee_cap_below_base_fee(pending, base_fee):
                self.slot.mark_sent()
                return Resumed(Outcome.PENDING, current)
            # Stuck under the base fee: replace it (same nonce, fee caps raised past the old ones).
            prepared = self.send(call, nonce=journaled.nonce, replaces=current, pending=pending)
            return Resumed(Outcome.REPLACED, prepared.hash)
        if rpc.transaction_count(journaled.sender, "pending") < journaled.nonce:
            # A gap before our nonce: the chain lost transactions we relied on (a reset devnet),
            # so this one would wait forever.
            self.slot.clear()
            return Resumed(Outcome.GAP, None)
        if rpc.transaction_count(journaled.sender, "latest") > journaled.nonce:
            self.slot.clear()  # the nonce went to another transaction: ours can never be mined
            return Resumed(Outcome.NONCE_TAKEN, None)
        if self._would_revert(call, journaled.sender):
            # Sending it now would only spend gas on a revert: the caller re-checks from scratch.
            self.slot.clear()
            return Resumed(Outcome.WOULD_REVERT, None)
        old = PreparedTx(
            raw=journaled.raw_tx,
            hash=current,
            nonce=journaled.nonce,
            sender=journaled.sender,
            to=call.to,
            gas=0,
        )
        try:
            self.sender.broadcast(old)  # the same signed bytes: the same hash
        except ChainError:
            # Typically a fee cap now under the base fee: sign again, same nonce, fresh fees.
            prepared = self.send(call, nonce=journaled.nonce, replaces=current)
            return Resumed(Outcome.RESIGNED, prepared.hash)
        self.slot.mark_sent()
        return Resumed(Outcome.RESENT, current)

    def _foreign(self, journaled: Journaled, *, known: bool) -> Resumed:
        """A transaction journaled by another account: finishing it here would act under this
        account's name, and starting over could do the intent twice. Only a transaction that can
        never be mined is dropped."""
        taken = self.sender.rpc.transaction_count(journaled.sender, "latest") > journaled.nonce
        if known or not taken:
            raise InputError(
                f"an interrupted {self.slot.description} by {journaled.sender} is pending"
                f" ({self.slot.where}); re-run it with that account, not {self.sender.address}"
            )
        self.slot.clear()
        return Resumed(Outcome.NONCE_TAKEN, None)

    def _would_revert(self, call: TxCall, sender: str) -> bool:
        """Whether ``call`` reverts on the chain's current state (a network error is raised: a
        transaction is dropped only on the node's word)."""
        tx: dict[str, Any] = {"from": sender, "data": to_hex(call.data), "value": hex(call.value)}
        if call.to is not None:
            tx["to"] = call.to
        try:
            self.sender.rpc.estimate_gas(tx)
        except ContractRevert:
            return True
        return False

    def wait(self, tx_hash: str) -> Receipt:
        return self.sender.wait(tx_hash)

    def start(self, call: TxCall) -> Started:
        """Resume the slot's transaction, or send ``call`` when there is none (or it was
        dropped). Run it under the send lock."""
        if self.slot.load() is not None:
            found = self.resume(call)
            if not found.dropped:
                assert found.tx_hash is not None
                return Started(found.tx_hash, found.receipt, found)
        return Started(self.send(call).hash)

    def finish(self, call: TxCall, started: Started) -> Receipt:
        """Wait for the receipt (and the confirmations that make it final), clear the slot, raise
        on a failed transaction. A reorganisation that drops it raises
        :class:`~provenance.errors.TransactionDropped` and leaves the slot for a re-run."""
        receipt = final_receipt(self.sender, started.tx_hash, started.receipt)
        self.slot.clear()
        if not receipt.succeeded:
            raise ChainError(
                f"{call.action} transaction {started.tx_hash} failed on chain",
                tx_hash=started.tx_hash,
            )
        return receipt

    def transact(
        self,
        call: TxCall | Callable[[], TxCall],
        *,
        same_intent: Callable[[], None] | None = None,
    ) -> Sent:
        """Under the lock: finish the journaled transaction, or send ``call`` when there is none
        or it was dropped. ``call`` may be a function building it with the checks a fresh send
        needs: it is called only then. ``same_intent`` raises when this run asks for something
        other than what was journaled. Returns the successful receipt."""
        with self.lock():
            started: Started | None = None
            journaled = self.slot.journaled_call()
            if journaled is not None:  # finish exactly what was journaled
                if same_intent is not None:
                    same_intent()
                found = self.resume(journaled)
                if not found.dropped:
                    assert found.tx_hash is not None
                    started, call = Started(found.tx_hash, found.receipt, found), journaled
            if started is None:
                call = call if isinstance(call, TxCall) else call()
                started = Started(self.send(call).hash)
        assert isinstance(call, TxCall)
        return Sent(self.finish(call, started), resumed=started.resumed is not None)
