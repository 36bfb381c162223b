"""``provenance roles list | grant | revoke | transfer-admin | accept-admin``: who may mint (and
sign offers) in the collection, and who is its one admin."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from provenance.cli.options import ADDRESS, Connection, connection_options, json_option
from provenance.cli.render import emit_json, out_console

if TYPE_CHECKING:
    from provenance.workflows.roles import AdminTransfer

ROLE = click.Choice(["minter"])


@click.group()
def roles() -> None:
    """List, grant and revoke the minter role (an admin); hand the admin role over in two steps."""


@roles.command("list")
@json_option
@connection_options()
def list_roles(as_json: bool, connection: Connection) -> None:
    """Who holds each role now: admins and minters."""
    from provenance.workflows.roles import admin_transfer, role_holders

    collection = connection.open()
    holders = role_holders(collection)
    transfer = admin_transfer(collection)
    pending = (
        {"account": transfer.pending, "accept_after": transfer.accept_after}
        if transfer.pending
        else None
    )
    if as_json:
        emit_json({"contract": collection.contract.address, **holders, "pending_admin": pending})
        return
    for role, accounts in holders.items():
        out_console.print(f"{role}: {', '.join(accounts) or '-'}")
    if transfer.pending:
        out_console.print(
            f"admin role offered to {transfer.pending}: it may accept from {_when(transfer)}"
        )


def _change(role: str, account: str, as_json: bool, connection: Connection, grant: bool) -> None:
    from provenance.workflows.roles import change_role

    result = change_role(connection.open(with_signer=True), role, account, grant=grant)
    if as_json:
        emit_json(
            {
                "role": result.role,
                "account": result.account,
                "granted": result.granted,
                "changed": result.changed,
                "tx_hash": result.tx_hash,
            }
        )
        return
    holds = "is" if result.granted else "is no longer"
    if not result.changed:
        holds = "already is" if result.granted else "already is not"
    tail = f" (tx {result.tx_hash})" if result.tx_hash else " (nothing sent)"
    out_console.print(f"{result.account} {holds} a {result.role}{tail}")


@roles.command("grant")
@click.argument("role", type=ROLE)
@click.argument("address", metavar="ADDRESS", type=ADDRESS)
@json_option
@connection_options(signs=True)
def grant(role: str, address: str, as_json: bool, connection: Connection) -> None:
    """Grant ROLE (minter) to ADDRESS: it may then mint and sign offers."""
    _change(role, address, as_json, connection, grant=True)


@roles.command("revoke")
@click.argument("role", type=ROLE)
@click.argument("address", metavar="ADDRESS", type=ADDRESS)
@json_option
@connection_options(signs=True)
def revoke(role: str, address: str, as_json: bool, connection: Connection) -> None:
    """Revoke ROLE (minter) from ADDRESS for good: its outstanding offers are refused from now on,
    and the address can never be granted the role again (a fresh address can)."""
    _change(role, address, as_json, connection, grant=False)


def _when(transfer: AdminTransfer) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(transfer.accept_after + 1))


def _show_transfer(transfer: AdminTransfer, as_json: bool, done: str) -> None:
    if as_json:
        emit_json(
            {
                "admin": transfer.admin,
                "pending_admin": transfer.pending,
                "accept_after": transfer.accept_after or None,
                "tx_hash": transfer.tx_hash,
            }
        )
        return
    out_console.print(f"{done} (tx {transfer.tx_hash})")


@roles.command("transfer-admin")
@click.argument("address", metavar="ADDRESS", type=ADDRESS)
@json_option
@connection_options(signs=True)
def transfer_admin(address: str, as_json: bool, connection: Connection) -> None:
    """Offer the admin role to ADDRESS (the admin signs). It changes hands only when ADDRESS runs
    `provenance roles accept-admin` after the contract's delay (2 days unless changed); until
    then the offer can be replaced by another."""
    from provenance.workflows.roles import begin_admin_transfer

    transfer = begin_admin_transfer(connection.open(with_signer=True), address)
    _show_transfer(
        transfer,
        as_json,
        f"admin role offered to {transfer.pending}: it may accept from {_when(transfer)}",
    )


@roles.command("accept-admin")
@json_option
@connection_options(signs=True)
def accept_admin(as_json: bool, connection: Connection) -> None:
    """Accept the admin role offered to the signer, once the contract's delay has passed."""
    from provenance.workflows.roles import accept_admin_transfer

    transfer = accept_admin_transfer(connection.open(with_signer=True))
    _show_transfer(transfer, as_json, f"{transfer.admin} is now the admin")
