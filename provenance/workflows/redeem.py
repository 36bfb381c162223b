"""Redeem an offer: check it, seal the donor's message to their own key, pay and mint.

Nothing is sent unless every check passes (:func:`~provenance.workflows.offer.check_offer`). The
signed transaction is journaled before it is broadcast, so an interrupted ``redeem`` re-run finds or
re-sends the same transaction instead of paying twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provenance.chain.address import to_checksum
from provenance.chain.outbox import JournalSlot, TxCall
from provenance.chain.rpc import Receipt
from provenance.chain.units import format_wei
from provenance.content.offer import Offer
from provenance.errors import ChainError, InputError
from provenance.ipfs.reader import ContentSource
from provenance.state.fingerprint import differing_parts, fingerprint
from provenance.workflows.offer import check_offer
from provenance.workflows.session import Session

__all__ = ["RedeemResult", "redeem"]

FP = "redeem-"  # failpoints redeem-after-sign, redeem-after-send, redeem-before-receipt


@dataclass
class RedeemResult:
    token_id: int
    tx_hash: str
    donation: int
    owner: str
    sealed: bool
    resumed: bool
    chain_id: int
    contract: str
    metadata_cid: str
    image_cid: str


def redeem(
    offer: Offer,
    collection: Session,
    source: ContentSource,
    *,
    message: bytes | None = None,
    donation: int | None = None,
) -> RedeemResult:
    """Check the offer, seal the message to the redeeming account's own key, pay and mint.

    Nothing is sent unless every check passes. The signed transaction is journaled before it is
    broadcast (the journal's ``transactions`` table), so re-running after a crash finishes the
    same redemption through the outbox: found mined, waited for, re-sent, or replaced under a
    raised base fee. A re-run with another donation or message is refused by name.
    """
    sender = collection.require_sender("redeeming")
    contract = collection.contract
    voucher = offer.voucher
    value = voucher.min_donation if donation is None else donation
    # Voucher ids are scoped to their signer (contract v2): the key names both.
    key = (
        f"redeem:{collection.chain.chain_id}:{contract.address}:{voucher.signer}"
        f":0x{voucher.id.hex()}"
    )
    outbox = collection.outbox(key, description="redemption of this offer", failpoints=FP)
    slot = outbox.slot
    assert isinstance(slot, JournalSlot)

    def changed(details: dict[str, Any], journaled_value: int) -> list[str]:
        differs = ["donation"] if journaled_value != value else []
        recorded = details.get("message")
        if bool(details.get("sealed")) != (message is not None):
            differs.append("message")
        elif isinstance(recorded, str) and message is not None:
            where = f"transaction {key}"
            if differing_parts(recorded, [message], where=where):
                differs.append("message")
        return differs

    def checked_call() -> TxCall:
        if value < voucher.min_donation:
            raise InputError(
                f"a donation of {format_wei(value)} is below the offer's minimum of"
                f" {format_wei(voucher.min_donation)}"
            )
        check_offer(offer, collection, source, redeemer=sender.address, sealed=message is not None)
        balance = collection.chain.rpc.get_balance(sender.address)
        if balance < value:
            raise ChainError(
                f"account {sender.address} holds {format_wei(balance)}, less than the"
                f" donation of {format_wei(value)}",
                account=sender.address,
            )
        envelope = b""
        if message is not None:
            from provenance.seal import seal_to_wallet

            # Sealed to the redeemer's wallet-derived key (wallet-signature-v1), the one their
            # browser wallet re-derives on the token page; the key's name is stored beside it.
            envelope = seal_to_wallet(
                message,
                sender.account,
                contract=contract.address,
                chain_id=collection.chain.chain_id,
            )
            slot.details = {"sealed": True, "message": fingerprint([message])}
        else:
            slot.details = {"sealed": False}
        return TxCall(
            to=contract.address,
            data=contract.abi.encode_call("redeem", voucher.as_tuple(), offer.signature, envelope),
            value=value,
            action="redeem",
            abi=contract.abi,
        )

    sent = outbox.transact(checked_call, same_intent=lambda: slot.check_intent(changed))
    return _confirm(offer, collection, sent.receipt, resumed=sent.resumed)


def _confirm(offer: Offer, collection: Session, receipt: Receipt, *, resumed: bool) -> RedeemResult:
    minted = collection.contract.minted_from_receipt(receipt)
    redeemed = collection.contract.events_in(receipt, "VoucherRedeemed")
    return RedeemResult(
        token_id=int(minted.args["tokenId"]),
        tx_hash=receipt.tx_hash,
        donation=int(redeemed[0].args["donation"]) if redeemed else 0,
        owner=to_checksum(str(minted.args["to"])),
        sealed=bool(bytes(minted.args["sealedMessage"])),
        resumed=resumed,
        chain_id=collection.chain.chain_id,
        contract=collection.contract.address,
        metadata_cid=offer.metadata_cid,
        image_cid=offer.image_cid,
    )
