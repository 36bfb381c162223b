"""The donation ledger read back from the chain, and the admin's withdrawal of donations."""

from __future__ import annotations

from dataclasses import dataclass

from provenance.chain.address import ZERO_ADDRESS, parse_address, to_checksum
from provenance.chain.contract import DEFAULT_ADMIN_ROLE
from provenance.chain.outbox import TxCall
from provenance.chain.units import format_wei
from provenance.errors import ChainError, InputError
from provenance.workflows.context import Collection

__all__ = ["Donation", "DonationsReport", "Withdrawal", "donations", "withdraw"]


@dataclass(frozen=True)
class Donation:
    token_id: int
    voucher_id: str
    redeemer: str
    amount: int
    block: int
    tx_hash: str


@dataclass
class DonationsReport:
    contract: str
    chain_id: int
    balance: int
    donations: list[Donation]
    withdrawn: int

    @property
    def received(self) -> int:
        return sum(d.amount for d in self.donations)


def donations(collection: Collection) -> DonationsReport:
    """The contract's balance and every donation, from its VoucherRedeemed events."""
    contract = collection.contract
    found = [
        Donation(
            token_id=int(e.args["tokenId"]),
            voucher_id="0x" + bytes(e.args["id"]).hex(),
            redeemer=to_checksum(str(e.args["redeemer"])),
            amount=int(e.args["donation"]),
            block=e.block_number,
            tx_hash=e.tx_hash,
        )
        for e in contract.events("VoucherRedeemed")
    ]
    withdrawn = sum(int(e.args["amount"]) for e in contract.events("DonationsWithdrawn"))
    return DonationsReport(
        contract=contract.address,
        chain_id=collection.chain.chain_id,
        balance=collection.chain.rpc.get_balance(contract.address),
        donations=sorted(found, key=lambda d: d.token_id),
        withdrawn=withdrawn,
    )


@dataclass(frozen=True)
class Withdrawal:
    beneficiary: str
    amount: int
    tx_hash: str
    balance_after: int


def withdraw(collection: Collection, beneficiary: str, *, amount: int | None = None) -> Withdrawal:
    """Send donations to ``beneficiary`` (all of them by default); the signer must be the admin.

    Journaled like every transaction: a re-run after an interruption finishes the journaled
    withdrawal (and reports it) instead of sending a second one."""
    admin = collection.require_sender("withdrawing").address
    to = parse_address(beneficiary, what="beneficiary")
    if to == ZERO_ADDRESS:
        raise InputError("refusing to withdraw to the zero address")
    contract = collection.contract
    key = f"withdraw:{collection.chain.chain_id}:{contract.address}"
    value = 0
    if collection.journal.transaction(key) is None:
        if not bool(contract.call("hasRole", DEFAULT_ADMIN_ROLE, admin)):
            raise ChainError(
                f"account {admin} is not the admin of {contract.address}", account=admin
            )
        balance = collection.chain.rpc.get_balance(contract.address)
        value = balance if amount is None else amount
        if value <= 0:
            raise InputError(
                "there is nothing to withdraw" if balance == 0 else "the amount must be positive"
            )
        if value > balance:
            raise InputError(
                f"the contract holds {format_wei(balance)}, less than the"
                f" {format_wei(value)} asked for"
            )
    call = TxCall(
        to=contract.address,
        data=contract.abi.encode_call("withdraw", to, value),
        action="withdraw",
        abi=contract.abi,
    )
    receipt, _resumed = collection.transact(key, call, failpoints="withdraw-")
    events = contract.events_in(receipt, "DonationsWithdrawn")
    return Withdrawal(
        beneficiary=to_checksum(str(events[0].args["beneficiary"])) if events else to,
        amount=int(events[0].args["amount"]) if events else value,
        tx_hash=receipt.tx_hash,
        balance_after=collection.chain.rpc.get_balance(contract.address),
    )
