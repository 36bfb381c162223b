"""Roles of the collection: who may mint (and sign offers), granted and revoked by an admin."""

from __future__ import annotations

from dataclasses import dataclass

from provenance.chain.address import parse_address
from provenance.chain.contract import DEFAULT_ADMIN_ROLE, MINTER_ROLE
from provenance.chain.outbox import TxCall
from provenance.errors import ChainError
from provenance.workflows.session import Session

__all__ = ["ROLES", "RoleChange", "change_role", "role_holders"]

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
