"""The journaled outbox: how every transaction the toolkit makes is sent, resumed and replaced.

One policy for mints, redemptions, withdrawals and deployments:

1. *Journal before broadcast.* The transaction is signed locally and its raw bytes, hash and nonce
   are written to a :class:`TxSlot` (a row of ``journal.sqlite``) before anything leaves the
   process. A crash at any point leaves either nothing sent, or a journaled transaction.
2. *Resume, never double-send.* A re-run finds the journaled transaction and asks the node about
   it (and about every earlier attempt it replaced): mined -> its receipt; pending with a fee cap
   at or above the base fee -> wait; pending under the base fee -> replace it (same nonce, both fee
   caps raised past the node's 10% rule); unknown to the node -> re-send the same bytes, or, if the
   node refuses them (a fee cap now under the base fee), re-sign the same nonce with fresh fees.
3. *Drop only a transaction that can never be mined.* Its nonce was taken by another transaction
   (``nonce-taken``), or lies behind a gap the chain lost (``gap``, a reset devnet): the slot is
   cleared and the caller decides whether to send afresh (a mint first checks that the artwork was
   not minted meanwhile).

The slot is the caller's: a mint keeps its transaction beside its content in the ``mints`` table,
every other intent in the ``transactions`` table, so that what the journal says about an intent is
in one row. Processes are serialised by the caller's send lock; within one process the
:class:`~provenance.chain.tx.NonceManager` counts nonces.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol

from provenance.chain.abi import ContractABI
from provenance.chain.rpc import Receipt, Transaction
from provenance.chain.tx import PreparedTx, Sender
from provenance.errors import ChainError
from provenance.state.journal import parse_attempts

if TYPE_CHECKING:
    from provenance.state.journal import Journal

__all__ = [
    "JournalSlot",
    "Journaled",
    "Outbox",
    "Resumed",
    "SendError",
    "TxCall",
    "TxSlot",
    "fee_cap_below_base_fee",
    "is_known",
    "nonce_taken",
]


@dataclass(frozen=True)
class TxCall:
    """What to send: enough to sign it again (with another nonce or fresh fees)."""

    to: str | None
    data: bytes
    value: int = 0
    action: str = "transaction"
    abi: ContractABI | None = None


@dataclass(frozen=True)
class Journaled:
    """A transaction as the journal holds it: the signed bytes and what replaced what."""

    tx_hash: str
    raw_tx: bytes
    nonce: int
    sender: str
    attempts: list[str] = field(default_factory=list)  # earlier hashes it replaced (same nonce)


class TxSlot(Protocol):
    """Where one intent's transaction is journaled (a journal row)."""

    def load(self) -> Journaled | None: ...

    def save_signed(self, journaled: Journaled) -> None:
        """Record a signed transaction; called before it is broadcast."""

    def mark_sent(self) -> None:
        """The node accepted the journaled transaction."""

    def found_mined(self, tx_hash: str) -> None:
        """An earlier attempt was the one mined: it becomes the journaled hash."""

    def clear(self) -> None:
        """The journaled transaction can never be mined: forget it (and its attempts)."""


class SendError(ChainError):
    """A signed transaction could not be handed to the node (it stays journaled)."""


@dataclass(frozen=True)
class Resumed:
    """What a re-run found: ``receipt`` when mined; otherwise the state the slot is left in."""

    outcome: Literal["mined", "pending", "resent", "replaced", "gap", "nonce-taken"]
    tx_hash: str | None
    receipt: Receipt | None = None

    @property
    def dropped(self) -> bool:
        """The journaled transaction can never be mined; the slot was cleared."""
        return self.outcome in ("gap", "nonce-taken")


def fee_cap_below_base_fee(pending: Transaction, base_fee: int) -> bool:
    """Whether a pending transaction can no longer be included."""
    return pending.max_fee_per_gas < base_fee


def is_known(sender: Sender, journaled: Journaled) -> bool:
    """Whether the node has the journaled transaction (mined or pending)."""
    rpc = sender.rpc
    return (
        rpc.get_receipt(journaled.tx_hash) is not None
        or rpc.get_transaction(journaled.tx_hash) is not None
    )


def nonce_taken(sender: Sender, journaled: Journaled) -> bool:
    """Whether another transaction of its sender was mined with its nonce (then it never can be)."""
    return sender.rpc.transaction_count(journaled.sender, "latest") > journaled.nonce


def _no_failpoint(_name: str) -> None:
    return None


class Outbox:
    """Send one intent's transaction through its journal slot (see the module docstring).

    ``failpoint`` is called with ``after-sign``, ``after-send`` and ``before-receipt`` (prefixed
    with ``failpoint_prefix``): the crash tests kill the process there.
    """

    def __init__(
        self,
        sender: Sender,
        slot: TxSlot,
        *,
        failpoint: Callable[[str], None] = _no_failpoint,
        failpoint_prefix: str = "",
    ) -> None:
        self.sender = sender
        self.slot = slot
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
        prepared = self.sender.prepare(
            to=call.to,
            data=call.data,
            value=call.value,
            abi=call.abi,
            action=call.action,
            nonce=nonce,
            replaces=pending,
        )
        earlier = self.slot.load()
        attempts = (earlier.attempts if earlier and replaces else []) + (
            [replaces] if replaces else []
        )
        self.slot.save_signed(
            Journaled(
                tx_hash=prepared.hash,
                raw_tx=prepared.raw,
                nonce=prepared.nonce,
                sender=prepared.sender,
                attempts=attempts,
            )
        )
        self._failpoint(self._prefix + "after-sign")
        try:
            self.sender.broadcast(prepared)
        except ChainError as exc:
            raise SendError(
                f"could not send {call.action} transaction {prepared.hash}: {exc}",
                tx_hash=prepared.hash,
            ) from exc
        self._failpoint(self._prefix + "after-send")
        self.slot.mark_sent()
        self._failpoint(self._prefix + "before-receipt")
        return prepared

    def resume(self, call: TxCall) -> Resumed:
        """Finish the journaled transaction as far as the node allows (see the module docstring)."""
        journaled = self.slot.load()
        if journaled is None:
            raise ValueError("nothing journaled to resume")
        rpc = self.sender.rpc
        current = journaled.tx_hash
        for tx_hash in [current, *journaled.attempts]:
            receipt = rpc.get_receipt(tx_hash)
            if receipt is not None:
                if tx_hash != current:  # an earlier attempt was mined after all
                    self.slot.found_mined(tx_hash)
                return Resumed("mined", tx_hash, receipt)
        pending = rpc.get_transaction(current)
        if pending is not None:
            base_fee = rpc.get_block("latest").base_fee_per_gas
            if not fee_cap_below_base_fee(pending, base_fee):
                self.slot.mark_sent()
                return Resumed("pending", current)
            # Stuck under the base fee: replace it (same nonce, fee caps raised past the old ones).
            prepared = self.send(call, nonce=journaled.nonce, replaces=current, pending=pending)
            return Resumed("replaced", prepared.hash)
        if rpc.transaction_count(journaled.sender, "pending") < journaled.nonce:
            # A gap before our nonce: the chain lost transactions we relied on (a reset devnet),
            # so this one would wait forever.
            self.slot.clear()
            return Resumed("gap", None)
        if nonce_taken(self.sender, journaled):
            self.slot.clear()  # the nonce went to another transaction: ours can never be mined
            return Resumed("nonce-taken", None)
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
            return Resumed("replaced", prepared.hash)
        self.slot.mark_sent()
        return Resumed("resent", current)

    def wait(self, tx_hash: str) -> Receipt:
        return self.sender.wait(tx_hash)

    def start(self, call: TxCall) -> tuple[str, Receipt | None, bool]:
        """Resume the slot's transaction, or send ``call`` when there is none (or it was
        dropped): (hash, receipt if already mined, resumed). Run it under the send lock."""
        if self.slot.load() is not None:
            found = self.resume(call)
            if not found.dropped:
                assert found.tx_hash is not None
                return found.tx_hash, found.receipt, True
        return self.send(call).hash, None, False

    def finish(self, call: TxCall, tx_hash: str, receipt: Receipt | None) -> Receipt:
        """Wait for the receipt (and the confirmations that make it final), clear the slot, raise
        on a failed transaction. A reorganisation that drops it leaves the slot for a re-run."""
        if receipt is None or self.sender.confirmations > 1:
            receipt = self.wait(tx_hash)
        self.slot.clear()
        if not receipt.succeeded:
            raise ChainError(
                f"{call.action} transaction {tx_hash} failed on chain", tx_hash=tx_hash
            )
        return receipt


class JournalSlot:
    """An outbox slot in the journal's ``transactions`` table, keyed by intent."""

    def __init__(
        self,
        journal: Journal,
        key: str,
        *,
        chain_id: int,
        call: TxCall,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.journal, self.key, self.chain_id, self.call = journal, key, chain_id, call
        self.details = details or {}

    def journaled_call(self) -> TxCall | None:
        """The call an interrupted run journaled (to resume exactly it), None when none."""
        row = self.journal.transaction(self.key)
        if row is None:
            return None
        return replace(self.call, to=row.to_address, data=row.data, value=int(row.value))

    def load(self) -> Journaled | None:
        row = self.journal.transaction(self.key)
        if row is None:
            return None
        return Journaled(
            tx_hash=row.tx_hash,
            raw_tx=row.raw_tx,
            nonce=row.nonce,
            sender=row.sender,
            attempts=parse_attempts(row.attempts, where=f"transaction {row.key}"),
        )

    def save_signed(self, journaled: Journaled) -> None:
        self.journal.put_transaction(
            self.key,
            chain_id=self.chain_id,
            action=self.call.action,
            sender=journaled.sender,
            to_address=self.call.to,
            data=self.call.data,
            value=str(self.call.value),
            state="signed",
            tx_hash=journaled.tx_hash,
            raw_tx=journaled.raw_tx,
            nonce=journaled.nonce,
            attempts=json.dumps(journaled.attempts),
            details=json.dumps(self.details),
        )

    def mark_sent(self) -> None:
        self.journal.update_transaction(self.key, state="sent")

    def found_mined(self, tx_hash: str) -> None:
        self.journal.update_transaction(self.key, tx_hash=tx_hash)

    def clear(self) -> None:
        self.journal.delete_transaction(self.key)
