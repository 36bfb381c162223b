"""The mint workflow: validate, seal, store on IPFS, then mint, journaled for crash safety.

Order matters. The intent (with the exact metadata bytes, sealed envelope included) is journaled
before anything is stored or sent; content is stored and pinned before the transaction is signed;
the signed transaction and its hash are journaled before it is broadcast. So a mint interrupted at
any point is finished by re-running the same command: never two tokens for one artwork (the
contract refuses a second mint of the same image anyway), never a token whose content is missing.

The steps live by job: :mod:`.mint_stage` (intent and content), :mod:`.mint_send` (the
transaction and its receipt); ``workflows.batch`` pipelines the same steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provenance.chain.outbox import SendError
from provenance.content.token import TokenSpec
from provenance.workflows.mint_send import MintResult, confirm, send
from provenance.workflows.mint_stage import DONOR_KEY_OPTIONS, stage
from provenance.workflows.session import Session

if TYPE_CHECKING:
    from provenance.seal import DonorKey

# stage, send and confirm are the steps ``workflows.batch`` pipelines.
__all__ = [
    "DONOR_KEY_OPTIONS",
    "MintRequest",
    "MintResult",
    "Progress",
    "SendError",
    "confirm",
    "mint",
    "send",
    "stage",
]


@dataclass
class MintRequest:
    """A token (built once, ``content.token``) for a donor, with an optional sealed message."""

    token: TokenSpec
    donor: str
    message: bytes | None = None
    donor_key: DonorKey | None = None


Progress = Callable[[str], None]


def mint(
    request: MintRequest, collection: Session, *, progress: Progress | None = None
) -> MintResult:
    """Mint one artwork, or finish its interrupted mint."""
    note = progress or (lambda _step: None)
    sender = collection.require_sender("minting")
    with collection.send_lock():
        entry, resumed = stage(request, collection, note=note, check_minter=True)
        entry, receipt = send(entry, collection, sender, note=note)
    return confirm(entry, collection, receipt=receipt, resumed=resumed, note=note)
