"""``provenance roles list | grant | revoke``: who may mint (and sign offers) in the collection."""

from __future__ import annotations

import click

from provenance.cli.options import ADDRESS, Connection, connection_options, json_option
from provenance.cli.render import emit_json, out_console

ROLE = click.Choice(["minter"])


@click.group()
def roles() -> None:
    """List, grant and revoke the minter role (grant and revoke: an admin)."""


@roles.command("list")
@json_option
@connection_options()
def list_roles(as_json: bool, connection: Connection) -> None:
    """Who holds each role now: admins and minters."""
    from provenance.workflows.roles import role_holders

    collection = connection.open()
    holders = role_holders(collection)
    if as_json:
        emit_json({"contract": collection.contract.address, **holders})
        return
    for role, accounts in holders.items():
        out_console.print(f"{role}: {', '.join(accounts) or '-'}")


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
    """Revoke ROLE (minter) from ADDRESS: its outstanding offers are refused from now on."""
    _change(role, address, as_json, connection, grant=False)
