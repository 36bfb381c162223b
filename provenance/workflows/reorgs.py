"""Mints the journal holds as done but the chain no longer has: a reorganisation dropped them.

A mint is journaled ``minted`` once its receipt is final (``--confirmations``). A deeper
reorganisation, or any on a chain where one confirmation counts as final (the devnet, unknown
local nodes), can still take it off the chain afterwards. ``tokens list`` names such mints, and a
re-run of the mint reopens the journaled transaction (:func:`reopen_dropped`) so that the outbox
resumes exactly it: the same signed bytes sent again while its nonce is free, or, when another
transaction took the nonce, a fresh transaction only after the chain says the image is still
unminted. Never a second token: the token id is the image digest, and the contract refuses an image
twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from provenance.errors import TransactionDropped
from provenance.state.journal import Journal, MintEntry, MintState
from provenance.workflows.session import Session

__all__ = ["DroppedMint", "dropped_mints", "reopen_dropped"]


@dataclass(frozen=True)
class DroppedMint:
    artwork: str
    token_id: int
    tx_hash: str
    block: int

    @property
    def message(self) -> str:
        return f"dropped by a reorganisation at block {self.block}: re-run to send it again"


def _dropped(entry: MintEntry) -> DroppedMint:
    assert entry.tx_hash is not None and entry.token_id is not None
    return DroppedMint(entry.artwork, entry.token_id, entry.tx_hash, entry.block_number or 0)


def dropped_mints(collection: Session, on_chain: set[int]) -> list[DroppedMint]:
    """Journaled ``minted`` rows whose token is not among ``on_chain`` (the ArtworkMinted events)
    and whose transaction the node no longer has a receipt for."""
    rows = collection.journal.all(
        chain_id=collection.chain.chain_id, contract=collection.contract.address
    )
    return [
        _dropped(entry)
        for entry in rows
        if entry.state is MintState.MINTED
        and entry.token_id is not None
        and entry.token_id not in on_chain
        and entry.tx_hash is not None
        and collection.chain.rpc.get_receipt(entry.tx_hash) is None
    ]


def reopen_dropped(journal: Journal, entry: MintEntry, *, note: Callable[[str], None]) -> MintEntry:
    """A ``minted`` row whose token the chain lacks: back to ``sent`` with its journaled
    transaction, for the outbox to resume; ``failed`` (sent afresh) when it has none."""
    if entry.tx_hash is None or entry.raw_tx is None or entry.nonce is None:
        return journal.update(
            entry, state=MintState.FAILED, error="the chain has no token for this image"
        )
    dropped = TransactionDropped(entry.tx_hash, block=entry.block_number or 0)
    note(f"{entry.tx_hash} is no longer on the chain (a reorganisation): resuming it")
    return journal.update(entry, state=MintState.SENT, token_id=None, error=dropped.message)
