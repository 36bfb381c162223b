"""A mint's transaction: sent through the outbox from its own journal row, then confirmed.

The signed transaction and its hash are journaled (in the mint's ``mints`` row, :class:`MintSlot`)
before it is broadcast, so a re-run finishes exactly that transaction (``chain.outbox``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provenance.chain.outbox import (
    Journaled,
    Outbox,
    Outcome,
    SendError,
    TxCall,
    final_receipt,
)
from provenance.chain.rpc import Receipt
from provenance.chain.tx import Sender
from provenance.errors import ChainError, ConfigError, ContractRevert
from provenance.state.failpoints import failpoint
from provenance.state.journal import Journal, MintEntry, MintState, parse_attempts
from provenance.workflows.session import AlreadyMinted, Session

if TYPE_CHECKING:
    from provenance.workflows.mint import Progress

__all__ = ["MintResult", "MintSlot", "confirm", "mint_call", "send"]


@dataclass
class MintResult:
    token_id: int
    tx_hash: str
    gas_used: int
    block_number: int
    image_cid: str
    metadata_cid: str
    donor: str
    sealed: bool
    resumed: bool
    chain_id: int
    contract: str


class MintSlot:
    """The outbox slot of one mint: its transaction lives in its own ``mints`` row, beside the
    content it mints, so one row tells the whole story of an artwork."""

    def __init__(self, journal: Journal, entry: MintEntry) -> None:
        self.journal, self.entry = journal, entry
        self.description = "mint of this artwork"
        self.where = f"journal {journal.path}, mint of {entry.artwork}"

    def journaled_call(self) -> TxCall | None:
        return None  # rebuilt from the row's digests and envelope (``mint_call``)

    def load(self) -> Journaled | None:
        entry = self.entry
        if not entry.state.in_flight:
            return None
        assert entry.tx_hash is not None and entry.raw_tx is not None and entry.nonce is not None
        return Journaled(
            tx_hash=entry.tx_hash,
            raw_tx=entry.raw_tx,
            nonce=entry.nonce,
            # The row keeps no sender column: the signed bytes name who signed them.
            sender=_signer_of(entry.raw_tx, where=f"mint of {entry.artwork}"),
            attempts=parse_attempts(entry.attempts, where=f"mint of {entry.artwork}"),
        )

    def save_signed(self, journaled: Journaled, call: TxCall) -> None:
        self.entry = self.journal.update(
            self.entry,
            state=MintState.SIGNED,
            tx_hash=journaled.tx_hash,
            raw_tx=journaled.raw_tx,
            nonce=journaled.nonce,
            attempts=json.dumps(journaled.attempts),
        )

    def mark_sent(self) -> None:
        self.entry = self.journal.update(self.entry, state=MintState.SENT)

    def found_mined(self, tx_hash: str) -> None:
        self.entry = self.journal.update(self.entry, tx_hash=tx_hash)

    def clear(self) -> None:
        self.entry = self.journal.reset(self.entry)


def _signer_of(raw_tx: bytes, *, where: str) -> str:
    """The account that signed a journaled transaction; a damaged one is a ``ConfigError``."""
    from provenance.chain.recovery import transaction_signer

    try:
        return transaction_signer(raw_tx)
    except ValueError as exc:  # not a transaction, or its signature recovers no key
        raise ConfigError(f"the journal's {where} holds a damaged signed transaction") from exc


def mint_call(collection: Session, entry: MintEntry) -> TxCall:
    contract = collection.contract
    data = contract.mint_calldata(
        to=entry.donor,
        metadata_digest=bytes.fromhex(entry.metadata_sha256),
        image_digest=bytes.fromhex(entry.image_sha256),
        sealed_message=entry.envelope or b"",
    )
    return TxCall(to=contract.address, data=data, action="mint", abi=contract.abi)


def send(
    entry: MintEntry, collection: Session, sender: Sender, *, note: Progress
) -> tuple[MintEntry, Receipt | None]:
    """Bring the entry to ``sent`` (or find its receipt) through the outbox. Never a second
    transaction while an earlier one of this mint may still be mined: a replacement reuses its
    nonce. A dropped transaction is sent afresh, and a fresh send's estimate names an artwork
    minted meanwhile."""
    slot = MintSlot(collection.journal, entry)
    outbox = Outbox(sender, slot, lock=collection.send_lock, failpoint=failpoint)
    if entry.state.in_flight:
        note(f"resuming transaction {entry.tx_hash}")
    else:
        note("signing and sending the mint transaction")
    try:
        started = outbox.start(mint_call(collection, entry))
    except SendError:
        raise
    except ChainError as exc:  # refused before anything was signed (a revert, no funds)
        collection.journal.update(slot.entry, state=MintState.FAILED, error=str(exc))
        if isinstance(exc, ContractRevert) and exc.error_name == "ImageAlreadyMinted":
            # Minted meanwhile (another home, another minter): named like the early check.
            image = bytes.fromhex(entry.image_sha256)
            raise AlreadyMinted(int.from_bytes(image, "big"), image) from exc
        raise
    if started.resumed is not None and started.resumed.outcome is Outcome.REPLACED:
        note(f"replaced the stale transaction with {started.tx_hash}")
    return slot.entry, started.receipt


def confirm(
    entry: MintEntry,
    collection: Session,
    *,
    receipt: Receipt | None,
    resumed: bool,
    note: Progress,
) -> MintResult:
    contract = collection.contract
    journal = collection.journal
    assert entry.tx_hash is not None
    assert collection.sender is not None
    if receipt is None or collection.sender.confirmations > 1:
        note(f"waiting for {entry.tx_hash}")
    receipt = final_receipt(collection.sender, entry.tx_hash, receipt)  # its confirmations too
    if not receipt.succeeded:
        error = _failure_reason(collection, entry)
        journal.update(entry, state=MintState.FAILED, error=error)
        raise ChainError(f"mint transaction {entry.tx_hash} failed: {error}", tx_hash=entry.tx_hash)
    event = contract.minted_from_receipt(receipt)
    token_id = int(event.args["tokenId"])
    gas_used = receipt.gas_used
    block = receipt.block_number
    journal.update(
        entry, state=MintState.MINTED, token_id=token_id, gas_used=gas_used, block_number=block
    )
    return MintResult(
        token_id=token_id,
        tx_hash=entry.tx_hash,
        gas_used=gas_used,
        block_number=block,
        image_cid=entry.image_cid,
        metadata_cid=entry.metadata_cid,
        donor=entry.donor,
        sealed=entry.envelope is not None,
        resumed=resumed,
        chain_id=collection.chain.chain_id,
        contract=contract.address,
    )


def _failure_reason(collection: Session, entry: MintEntry) -> str:
    """Replay a failed mint as a call to decode why it reverted."""
    contract = collection.contract
    try:
        contract.rpc.call(
            contract.address,
            contract.mint_calldata(
                to=entry.donor,
                metadata_digest=bytes.fromhex(entry.metadata_sha256),
                image_digest=bytes.fromhex(entry.image_sha256),
                sealed_message=entry.envelope or b"",
            ),
            sender=collection.sender.address if collection.sender else None,
        )
    except ContractRevert as exc:
        return str(contract.abi.explain_revert(exc, action="mint"))
    except ChainError as exc:
        return str(exc)
    return "reverted (reason unknown)"
