"""Redeem an offer: check it, seal the donor's message to their own key, pay and mint.

Nothing is sent unless every check passes (:func:`~provenance.workflows.offer.check_offer`). The
signed transaction is journaled before it is broadcast, so an interrupted ``redeem`` re-run finds or
re-sends the same transaction instead of paying twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from provenance.chain.address import to_checksum
from provenance.chain.tx import receipt_succeeded
from provenance.chain.units import format_wei
from provenance.content.offer import Offer
from provenance.errors import ChainError, InputError
from provenance.ipfs.reader import ContentSource
from provenance.state.failpoints import failpoint
from provenance.state.home import atomic_write, home
from provenance.workflows.context import Collection
from provenance.workflows.offer import check_offer

__all__ = ["RedeemResult", "redeem"]


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


def _journal_path(collection: Collection, voucher_id: bytes) -> Path:
    name = f"{collection.chain.chain_id}-{collection.contract.address}-0x{voucher_id.hex()}.json"
    return home().redemptions / name


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
    broadcast, so re-running after a crash finishes the same redemption.
    """
    if collection.sender is None:
        raise InputError("redeeming needs the donor's account (--account or --private-key-env)")
    sender = collection.sender
    contract = collection.contract
    voucher = offer.voucher
    journal = _journal_path(collection, voucher.id)
    if journal.exists():
        resumed = _resume(journal, offer, collection)
        if resumed is not None:
            return resumed
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
        from provenance.seal import envelope_bytes, key_from_public_key, seal

        public_key = sender.account._key_obj.public_key.to_hex()  # the redeemer's own key
        key = key_from_public_key(public_key, donor=sender.address)
        envelope = envelope_bytes(seal(message, key))
    data = contract.abi.encode_call("redeem", voucher.as_tuple(), offer.signature, envelope)
    prepared = sender.prepare(
        to=contract.address, data=data, value=value, abi=contract.abi, action="redeem"
    )
    atomic_write(
        journal,
        json.dumps(
            {
                "tx_hash": prepared.hash,
                "raw_tx": "0x" + prepared.raw.hex(),
                "nonce": prepared.nonce,
                "sender": prepared.sender,
                "donation": value,
                "sealed": bool(envelope),
            }
        ).encode(),
        mode=0o600,
    )
    failpoint("redeem-after-sign")
    sender.broadcast(prepared)
    return _confirm(offer, collection, prepared.hash, resumed=False)


def _resume(journal: Path, offer: Offer, collection: Collection) -> RedeemResult | None:
    """Finish a journaled redemption; None when it never reached the chain (start over)."""
    assert collection.sender is not None
    entry = json.loads(journal.read_bytes())
    rpc = collection.chain.rpc
    tx_hash = str(entry["tx_hash"])
    journaled = to_checksum(str(entry["sender"]))
    known = rpc.get_receipt(tx_hash) is not None or rpc.get_transaction(tx_hash) is not None
    if not known and rpc.transaction_count(journaled, "latest") > int(entry["nonce"]):
        journal.unlink()  # the nonce went to another transaction: ours can never be mined
        return None
    # A live redemption signed by another account: finishing it would spend that account's
    # donation under this one's name, and starting over could redeem the offer twice.
    current = to_checksum(collection.sender.address)
    if journaled != current:
        raise InputError(
            f"an interrupted redemption of this offer by {journaled} is pending"
            f" (journal {journal}); re-run redeem with that account, not {current}"
        )
    if not known:
        rpc.send_raw_transaction(bytes.fromhex(str(entry["raw_tx"])[2:]))
    return _confirm(offer, collection, tx_hash, resumed=True)


def _confirm(offer: Offer, collection: Collection, tx_hash: str, *, resumed: bool) -> RedeemResult:
    assert collection.sender is not None
    receipt = collection.sender.wait(tx_hash)
    journal = _journal_path(collection, offer.voucher.id)
    if not receipt_succeeded(receipt):
        journal.unlink(missing_ok=True)
        raise ChainError(f"redeem transaction {tx_hash} failed on chain", tx_hash=tx_hash)
    minted = collection.contract.minted_from_receipt(receipt)
    redeemed = [
        e
        for e in (collection.contract.abi.decode_log(log) for log in receipt["logs"])
        if e is not None and e.name == "VoucherRedeemed"
    ]
    journal.unlink(missing_ok=True)
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
