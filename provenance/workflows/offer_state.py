"""Offers after they are made: their state on chain (open, redeemed, expired, canceled) and their
cancellation by the signer or an admin, through the journaled outbox."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from provenance.chain.address import to_checksum
from provenance.chain.contract import VoucherState
from provenance.chain.outbox import TxCall
from provenance.content.offer import Offer
from provenance.errors import ChainError, ConfigError, InputError
from provenance.workflows.offer import saved_offers
from provenance.workflows.session import Session

__all__ = [
    "CancelResult",
    "OfferState",
    "OfferStatus",
    "cancel_offer",
    "offer_status",
    "offer_statuses",
]


class OfferState(StrEnum):
    """An offer's state as `offer list` shows it: the voucher's on chain, and expired for an open
    one past its deadline (the chain has no such state: the contract refuses it at redemption)."""

    OPEN = VoucherState.OPEN.value
    REDEEMED = VoucherState.REDEEMED.value
    CANCELED = VoucherState.CANCELED.value
    EXPIRED = "expired"


@dataclass(frozen=True)
class OfferStatus:
    offer: Offer
    state: OfferState


@dataclass(frozen=True)
class CancelResult:
    offer: Offer
    canceled_by: str
    tx_hash: str
    resumed: bool


def _now(collection: Session) -> int:
    return max(collection.chain.rpc.get_block("latest").timestamp, int(time.time()))


def offer_status(offer: Offer, collection: Session, *, now: int | None = None) -> OfferStatus:
    """The chain's state of the offer's (signer, id); an open one past its deadline is expired."""
    voucher = offer.voucher
    state = OfferState(collection.contract.voucher_state(voucher.signer, voucher.id).value)
    if state is OfferState.OPEN and voucher.deadline < (
        now if now is not None else _now(collection)
    ):
        state = OfferState.EXPIRED
    return OfferStatus(offer=offer, state=state)


def offer_statuses(collection: Session) -> list[OfferStatus]:
    """This home's offers for the connected collection, newest first, with their state."""
    now = _now(collection)
    return [
        offer_status(offer, collection, now=now)
        for offer in saved_offers()
        if offer.chain_id == collection.chain.chain_id
        and offer.contract == collection.contract.address
    ]


def cancel_offer(offer: Offer, collection: Session) -> CancelResult:
    """Cancel the offer's voucher for good (the signer or an admin). Refuses, before sending, an
    offer of another chain or collection, one already redeemed or canceled, and a sender who is
    neither. A re-run after an interruption finishes the journaled cancellation."""
    sender = collection.require_sender("canceling an offer").address
    contract = collection.contract
    voucher = offer.voucher
    if offer.chain_id != collection.chain.chain_id or offer.contract != contract.address:
        raise ConfigError(
            f"the offer is for contract {offer.contract} on chain {offer.chain_id}, not this"
            f" collection ({contract.address} on chain {collection.chain.chain_id})"
        )
    key = (
        f"cancel:{collection.chain.chain_id}:{contract.address}:{voucher.signer}"
        f":0x{voucher.id.hex()}"
    )

    def checked_call() -> TxCall:
        # Run before every fresh send, also after an interrupted cancellation was dropped (the
        # offer was redeemed meanwhile: its journaled transaction would only revert).
        state = contract.voucher_state(voucher.signer, voucher.id)
        if state is not VoucherState.OPEN:
            raise InputError(f"offer {offer.id_hex[:18]}... was already {state}")
        if sender != voucher.signer and not contract.is_admin(sender):
            raise ChainError(
                f"account {sender} may not cancel this offer: only its signer"
                f" {voucher.signer} or an admin of {contract.address} may",
                account=sender,
            )
        return TxCall(
            to=contract.address,
            data=contract.abi.encode_call("cancelVoucher", voucher.signer, voucher.id),
            action="cancelVoucher",
            abi=contract.abi,
        )

    receipt, resumed = collection.transact(
        key, checked_call, description="cancellation of this offer", failpoints="cancel-"
    )
    events = contract.events_in(receipt, "VoucherCanceled")
    return CancelResult(
        offer=offer,
        canceled_by=to_checksum(str(events[0].args["canceledBy"])) if events else sender,
        tx_hash=receipt.tx_hash,
        resumed=resumed,
    )
