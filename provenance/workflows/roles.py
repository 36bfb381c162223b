"""Roles of the collection: who may mint (and sign offers), granted and revoked by an admin."""

from __future__ import annotations

import time
from dataclasses import dataclass

from provenance.chain.address import parse_address
from provenance.chain.contract import DEFAULT_ADMIN_ROLE, MINTER_ROLE
from provenance.chain.outbox import TxCall
from provenance.errors import ChainError
from provenance.workflows.session import Session

__all__ = [
    "ROLES",
    "AdminTransfer",
    "RoleChange",
    "accept_admin_transfer",
    "admin_transfer",
    "begin_admin_transfer",
    "change_role",
    "role_holders",
]

# Role names the CLI accepts, and the contract's role ids.
ROLES = {"minter": MINTER_ROLE, "admin": DEFAULT_ADMIN_ROLE}


@dataclass(frozen=True)
class RoleChange:
    role: str
    account: str
    granted: bool  # the account holds the role afterwards
    changed: bool  # False: it already did (or did not); nothing was sent
    tx_hash: str | None
    resumed: bool = False


def role_holders(collection: Session) -> dict[str, list[str]]:
    """Who holds each role now (from RoleGranted events, each asked again with hasRole)."""
    return {name: collection.contract.role_members(role) for name, role in ROLES.items()}


def change_role(collection: Session, role: str, account: str, *, grant: bool) -> RoleChange:
    """Grant or revoke ``role``; the signer must be an admin. Nothing is sent when the account
    already holds (or lacks) the role; otherwise through the journaled outbox."""
    sender = collection.require_sender(f"{'granting' if grant else 'revoking'} a role").address
    who = parse_address(account, what="account")
    role_id = ROLES[role]
    contract = collection.contract
    verb = "grant" if grant else "revoke"
    key = f"role:{collection.chain.chain_id}:{contract.address}:{verb}:{role}:{who}"
    if collection.journal.transaction(key) is None:
        if not contract.is_admin(sender):
            raise ChainError(
                f"account {sender} is not an admin of {contract.address}: only an admin may"
                f" {verb} roles",
                account=sender,
            )
        if contract.has_role(role_id, who) == grant:
            return RoleChange(role, who, granted=grant, changed=False, tx_hash=None)
        if grant and role == "minter" and bool(contract.call("minterRetired", who)):
            raise ChainError(
                f"{who} was a minter of {contract.address} and lost the role: it can never be"
                " granted again (the offers it signed before would be valid again); grant a"
                " fresh address",
                account=who,
            )
    call = TxCall(
        to=contract.address,
        data=contract.abi.encode_call("grantRole" if grant else "revokeRole", role_id, who),
        action=f"{verb}Role",
        abi=contract.abi,
    )
    receipt, resumed = collection.transact(
        key, call, description=f"{verb} of the {role} role to {who}", failpoints="role-"
    )
    return RoleChange(
        role, who, granted=grant, changed=True, tx_hash=receipt.tx_hash, resumed=resumed
    )


@dataclass(frozen=True)
class AdminTransfer:
    """The admin role's pending hand-over (AccessControlDefaultAdminRules: two steps, a delay)."""

    admin: str  # the admin now
    pending: str | None  # the account offered the role, None when no transfer is pending
    accept_after: int  # unix time from which ``pending`` may accept (0: none pending)
    tx_hash: str | None = None
    resumed: bool = False


def admin_transfer(collection: Session) -> AdminTransfer:
    """Who is admin, and who was offered the role (and from when it may be accepted)."""
    contract = collection.contract
    offer = contract.call("pendingDefaultAdmin")
    offered = str(offer["newAdmin"])
    pending = None if int(offered, 16) == 0 else parse_address(offered, what="pending admin")
    admin = parse_address(str(contract.call("defaultAdmin")), what="admin")
    return AdminTransfer(admin, pending, int(offer["schedule"]) if pending else 0)


def begin_admin_transfer(collection: Session, account: str) -> AdminTransfer:
    """Offer the admin role to ``account`` (the admin signs); it may accept once the contract's
    delay has passed. Offering it again replaces the pending offer."""
    sender = collection.require_sender("offering the admin role").address
    who = parse_address(account, what="account")
    contract = collection.contract
    key = f"admin:{collection.chain.chain_id}:{contract.address}:begin:{who}"
    if collection.journal.transaction(key) is None and not contract.is_admin(sender):
        raise ChainError(
            f"account {sender} is not the admin of {contract.address}: only the admin may offer"
            " the role",
            account=sender,
        )
    call = TxCall(
        to=contract.address,
        data=contract.abi.encode_call("beginDefaultAdminTransfer", who),
        action="beginDefaultAdminTransfer",
        abi=contract.abi,
    )
    receipt, resumed = collection.transact(
        key, call, description=f"offer of the admin role to {who}", failpoints="admin-"
    )
    state = admin_transfer(collection)
    return AdminTransfer(
        state.admin, state.pending, state.accept_after, receipt.tx_hash, resumed=resumed
    )


def accept_admin_transfer(collection: Session) -> AdminTransfer:
    """Take the admin role offered to the signer, once the delay has passed."""
    sender = collection.require_sender("accepting the admin role").address
    contract = collection.contract
    key = f"admin:{collection.chain.chain_id}:{contract.address}:accept:{sender}"
    if collection.journal.transaction(key) is None:
        state = admin_transfer(collection)
        if state.pending != sender:
            offered = f"it is offered to {state.pending}" if state.pending else "none is pending"
            raise ChainError(
                f"the admin role of {contract.address} is not offered to {sender} ({offered})",
                account=sender,
            )
        now = collection.chain.rpc.get_block("latest").timestamp
        if now <= state.accept_after:
            when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(state.accept_after + 1))
            raise ChainError(
                f"the admin role can be accepted from {when} (the contract's delay): try again"
                " then",
                account=sender,
            )
    call = TxCall(
        to=contract.address,
        data=contract.abi.encode_call("acceptDefaultAdminTransfer"),
        action="acceptDefaultAdminTransfer",
        abi=contract.abi,
    )
    receipt, resumed = collection.transact(
        key, call, description="acceptance of the admin role", failpoints="admin-"
    )
    state = admin_transfer(collection)
    return AdminTransfer(state.admin, state.pending, 0, receipt.tx_hash, resumed=resumed)
