"""Journal slots: where the outbox (:mod:`provenance.chain.outbox`) keeps one intent's transaction.

A slot is a journal row. A mint's lives in its own ``mints`` row (``workflows.mint_send.MintSlot``);
every other intent's is a row of the ``transactions`` table (:class:`JournalSlot`), keyed by what it
is for, holding the call itself so that it can be signed again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from provenance.chain.abi import ContractABI
from provenance.errors import ConfigError, InputError
from provenance.state.journal import parse_attempts

if TYPE_CHECKING:
    from provenance.state.journal import Journal, TxRow

__all__ = ["JournalSlot", "Journaled", "TxCall", "TxSlot"]


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

    def save_signed(self, journaled: Journaled, call: TxCall) -> None:
        """Record a signed transaction of ``call``; called before it is broadcast."""

    def mark_sent(self) -> None:
        """The node accepted the journaled transaction."""

    def found_mined(self, tx_hash: str) -> None:
        """An earlier attempt was the one mined: it becomes the journaled hash."""

    def clear(self) -> None:
        """The journaled transaction can never be mined: forget it (and its attempts)."""

    def journaled_call(self) -> TxCall | None:
        """The call the journaled transaction makes, to resume exactly it (None: the caller
        rebuilds it from its own row)."""

    @property
    def description(self) -> str:
        """What the intent is, for messages ("redemption of this offer")."""

    @property
    def where(self) -> str:
        """Where the journal keeps it, for messages."""


class JournalSlot:
    """An outbox slot in the journal's ``transactions`` table, keyed by intent.

    ``intent`` holds what the user chose beyond the call itself (a salted digest of a sealed
    message, whose envelope is randomized): :meth:`check_intent` compares a re-run's with it."""

    def __init__(
        self,
        journal: Journal,
        key: str,
        *,
        chain_id: int,
        abi: ContractABI | None = None,
        details: dict[str, Any] | None = None,
        description: str | None = None,
    ) -> None:
        self.journal, self.key, self.chain_id, self.abi = journal, key, chain_id, abi
        self.details = details or {}  # written with the next signed transaction
        self.description = description or "transaction"
        self.where = f"journal {journal.path}, key {key}"

    def _row_or_none(self) -> TxRow | None:
        return self.journal.transaction(self.key)

    def journaled_call(self) -> TxCall | None:
        """The call an interrupted run journaled (to resume exactly it), None when none."""
        row = self._row_or_none()
        if row is None:
            return None
        return TxCall(
            to=row.to_address,
            data=row.data,
            value=self.journaled_value(),
            action=row.action,
            abi=self.abi,
        )

    def journaled_value(self) -> int:
        row = self._row_or_none()
        try:
            value = int(row.value) if row is not None else -1
        except (TypeError, ValueError):
            value = -1
        if value < 0:
            raise self._damaged("value")
        return value

    def journaled_details(self) -> dict[str, Any]:
        row = self._row_or_none()
        try:
            parsed = json.loads(row.details) if row is not None else None
        except (TypeError, ValueError):
            parsed = None
        if not isinstance(parsed, dict):
            raise self._damaged("details")
        return parsed

    def _damaged(self, column: str) -> ConfigError:
        return ConfigError(
            f"the journal's transaction {self.key} is damaged (its '{column}' is not what"
            " was written); restore journal.sqlite from a backup"
        )

    def check_intent(self, changed: Callable[[dict[str, Any], int], list[str]]) -> None:
        """Refuse, by name, a re-run that asks for something other than the journaled
        transaction: ``changed(details, value)`` lists what differs."""
        row = self._row_or_none()
        if row is None:
            return
        differs = changed(self.journaled_details(), self.journaled_value())
        if differs:
            raise InputError(
                f"a {self.description} is already signed (tx {row.tx_hash}) with another"
                f" {', '.join(differs)}; re-run it with the same options to finish it"
            )

    def load(self) -> Journaled | None:
        row = self._row_or_none()
        if row is None:
            return None
        return Journaled(
            tx_hash=row.tx_hash,
            raw_tx=row.raw_tx,
            nonce=row.nonce,
            sender=row.sender,
            attempts=parse_attempts(row.attempts, where=f"transaction {row.key}"),
        )

    def save_signed(self, journaled: Journaled, call: TxCall) -> None:
        self.journal.put_transaction(
            self.key,
            chain_id=self.chain_id,
            action=call.action,
            sender=journaled.sender,
            to_address=call.to,
            data=call.data,
            value=str(call.value),
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
