"""Redeem an offer: check it, seal the donor's message to their own key, pay and mint.

Nothing is sent unless every check passes (:func:`~provenance.workflows.offer.check_offer`). The
signed transaction is journaled before it is broadcast, so an interrupted ``redeem`` re-run finds or
re-sends the same transaction instead of paying twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from provenance.chain.address import to_checksum
from provenance.chain.outbox import Outbox, TxCall, is_known, nonce_taken
from provenance.chain.rpc import Receipt
from provenance.chain.units import format_wei
from provenance.content.offer import Offer
from provenance.errors import ChainError, ConfigError, InputError
from provenance.ipfs.reader import ContentSource
from provenance.workflows.context import Collection
from provenance.workflows.offer import check_offer

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
    collection: Collection,
    source: ContentSource,
    *,
    message: bytes | None = None,
    donation: int | None = None,
) -> RedeemResult:
    """Check the offer, seal the message to the redeeming account's own key, pay and mint.

    Nothing is sent unless every check passes. The signed transaction is journaled before it is
    broadcast (the journal's ``transactions`` table), so re-running after a crash finishes the
    same redemption: found mined, waited for, re-sent, or replaced under a raised base fee.
    """
    sender = collection.require_sender("redeeming")
    contract = collection.contract
    voucher = offer.voucher
    # Voucher ids are scoped to their signer (contract v2): the key names both.
    key = (
        f"redeem:{collection.chain.chain_id}:{contract.address}:{voucher.signer}"
        f":0x{voucher.id.hex()}"
    )
    with collection.send_lock():
        row = collection.journal.transaction(key)
        if row is not None:
            value, details = _journaled_value_and_details(row.value, row.details, key)
            call = TxCall(
                to=row.to_address,
                data=row.data,
                value=value,
                action="redeem",
                abi=contract.abi,
            )
            outbox = collection.outbox(key, call, details=details, failpoints=FP)
            journaled = outbox.slot.load()
            assert journaled is not None
            # A live redemption signed by another account: finishing it would spend that account's
            # donation under this one's name, and starting over could redeem the offer twice.
            if journaled.sender != sender.address:
                if is_known(sender, journaled) or not nonce_taken(sender, journaled):
                    raise InputError(
                        f"an interrupted redemption of this offer by {journaled.sender} is"
                        f" pending (journal {collection.journal.path}, key {key}); re-run redeem"
                        f" with that account, not {sender.address}"
                    )
                outbox.slot.clear()
            else:
                found = outbox.resume(call)
                if not found.dropped:
                    assert found.tx_hash is not None
                    receipt = outbox.wait(found.tx_hash)  # final: its confirmations too
                    return _confirm(offer, collection, outbox, receipt, found.tx_hash, resumed=True)
        value = voucher.min_donation if donation is None else donation
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
        call = TxCall(
            to=contract.address,
            data=contract.abi.encode_call("redeem", voucher.as_tuple(), offer.signature, envelope),
            value=value,
            action="redeem",
            abi=contract.abi,
        )
        outbox = collection.outbox(key, call, details={"sealed": bool(envelope)}, failpoints=FP)
        tx_hash = outbox.send(call).hash
    return _confirm(offer, collection, outbox, outbox.wait(tx_hash), tx_hash, resumed=False)


def _confirm(
    offer: Offer,
    collection: Collection,
    outbox: Outbox,
    receipt: Receipt,
    tx_hash: str,
    *,
    resumed: bool,
) -> RedeemResult:
    outbox.slot.clear()
    if not receipt.succeeded:
        raise ChainError(f"redeem transaction {tx_hash} failed on chain", tx_hash=tx_hash)
    minted = collection.contract.minted_from_receipt(receipt)
    redeemed = collection.contract.events_in(receipt, "VoucherRedeemed")
    return RedeemResult(
        token_id=int(minted.args["tokenId"]),
        tx_hash=tx_hash,
        donation=int(redeemed[0].args["donation"]) if redeemed else 0,
        owner=to_checksum(str(minted.args["to"])),
        sealed=bool(bytes(minted.args["sealedMessage"])),
        resumed=resumed,
        chain_id=collection.chain.chain_id,
        contract=collection.contract.address,
        metadata_cid=offer.metadata_cid,
        image_cid=offer.image_cid,
    )


def _journaled_value_and_details(value: str, details: str, key: str) -> tuple[int, dict[str, Any]]:
    """A journaled redemption's donation (wei, decimal text) and details (a JSON object); a
    damaged row is a ``ConfigError`` naming it, never a crash."""
    try:
        parsed = json.loads(details)
        wei = int(value)
    except (TypeError, ValueError):
        parsed = wei = None
    if not isinstance(parsed, dict) or not isinstance(wei, int) or wei < 0:
        raise ConfigError(
            f"the journal's transaction {key} is damaged (its 'value' or 'details' is not what"
            " was written); restore journal.sqlite from a backup"
        )
    return wei, parsed
