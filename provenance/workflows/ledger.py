"""The donation ledger read back from the chain, and the release of each payee's due.

Donations stay in the contract; the payees and their shares are fixed at deployment, and
``release(payee)`` pays a payee what is due to it (contract v2). The ledger is read from the
chain alone: VoucherRedeemed events (donations), PaymentReleased events (the release history),
and ``shares``/``released``/``releasable`` for each payee.
"""

from __future__ import annotations

from dataclasses import dataclass

from provenance.chain.address import parse_address, to_checksum
from provenance.chain.outbox import TxCall
from provenance.errors import InputError
from provenance.workflows.session import Session

__all__ = [
    "Donation",
    "DonationsReport",
    "Payee",
    "Release",
    "Released",
    "donations",
    "release",
]


@dataclass(frozen=True)
class Donation:
    token_id: int
    voucher_id: str
    redeemer: str
    amount: int
    block: int
    tx_hash: str


@dataclass(frozen=True)
class Release:
    """One PaymentReleased event: ``amount`` paid to ``payee``."""

    payee: str
    amount: int
    block: int
    tx_hash: str


@dataclass(frozen=True)
class Payee:
    address: str
    shares: int
    released: int
    due: int  # releasable now


@dataclass
class DonationsReport:
    contract: str
    chain_id: int
    balance: int
    donations: list[Donation]
    payees: list[Payee]
    total_shares: int
    releases: list[Release]

    @property
    def received(self) -> int:
        return sum(d.amount for d in self.donations)

    @property
    def released(self) -> int:
        return sum(r.amount for r in self.releases)


def donations(collection: Session) -> DonationsReport:
    """The balance, every donation (VoucherRedeemed), each payee's shares, released and due, and
    the release history (PaymentReleased)."""
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
    releases = [
        Release(
            payee=to_checksum(str(e.args["payee"])),
            amount=int(e.args["amount"]),
            block=e.block_number,
            tx_hash=e.tx_hash,
        )
        for e in contract.events("PaymentReleased")
    ]
    payees = [
        Payee(
            address=address,
            shares=int(contract.call("shares", address)),
            released=int(contract.call("released", address)),
            due=int(contract.call("releasable", address)),
        )
        for address in contract.payees()
    ]
    return DonationsReport(
        contract=contract.address,
        chain_id=collection.chain.chain_id,
        balance=collection.chain.rpc.get_balance(contract.address),
        donations=sorted(found, key=lambda d: (d.block, d.tx_hash)),
        payees=payees,
        total_shares=int(contract.call("totalShares")),
        releases=releases,
    )


@dataclass(frozen=True)
class Released:
    payee: str
    amount: int
    tx_hash: str
    resumed: bool


def release(collection: Session, payee: str | None = None) -> list[Released]:
    """Pay ``payee`` its due, or every payee with something due; anyone may send it (the Ether
    goes to the payee only). One transaction per payee, each through the journaled outbox: a
    re-run after an interruption finishes the journaled release instead of paying twice (and the
    contract would refuse a second one: nothing would be due)."""
    collection.require_sender("releasing donations")
    contract = collection.contract
    payees = contract.payees()
    if payee is not None:
        wanted = parse_address(payee, what="payee")
        if wanted not in payees:
            raise InputError(f"{wanted} is not a payee of {contract.address}")
        payees = [wanted]
    chain_id = collection.chain.chain_id
    done: list[Released] = []
    pending = []
    for address in payees:
        key = f"release:{chain_id}:{contract.address}:{address}"
        if collection.journal.transaction(key) is not None or int(
            contract.call("releasable", address)
        ):
            pending.append((address, key))
    if not pending:
        raise InputError(
            f"nothing is due to {payees[0]}" if payee is not None else "nothing is due to any payee"
        )
    for address, key in pending:
        call = TxCall(
            to=contract.address,
            data=contract.abi.encode_call("release", address),
            action="release",
            abi=contract.abi,
        )
        receipt, resumed = collection.transact(
            key, call, description=f"release to {address}", failpoints="release-"
        )
        events = contract.events_in(receipt, "PaymentReleased")
        done.append(
            Released(
                payee=address,
                amount=sum(int(e.args["amount"]) for e in events),
                tx_hash=receipt.tx_hash,
                resumed=resumed,
            )
        )
    return done
