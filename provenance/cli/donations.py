"""``provenance donations | release``: the donations a collection received, each payee's share,
and paying them out (``withdraw``, removed with contract v2, points at ``release``)."""

from __future__ import annotations

import click

from provenance.cli.options import ADDRESS, Connection, connection_options, json_option
from provenance.cli.render import cells, emit_json, out_console, plural, table
from provenance.errors import InputError


@click.command()
@json_option
@connection_options()
def donations(as_json: bool, connection: Connection) -> None:
    """Donations received, each payee's shares, due and releases (all read from the chain)."""
    from provenance.chain.token_id import short_token
    from provenance.chain.units import format_wei
    from provenance.workflows.ledger import donations as ledger

    collection = connection.open()
    report = ledger(collection)
    if as_json:
        emit_json(
            {
                "contract": report.contract,
                "chain_id": report.chain_id,
                "balance_wei": str(report.balance),
                "received_wei": str(report.received),
                "released_wei": str(report.released),
                "total_shares": report.total_shares,
                "payees": [
                    {
                        "payee": p.address,
                        "shares": p.shares,
                        "released_wei": str(p.released),
                        "due_wei": str(p.due),
                    }
                    for p in report.payees
                ],
                "releases": [
                    {
                        "payee": r.payee,
                        "amount_wei": str(r.amount),
                        "block": r.block,
                        "tx_hash": r.tx_hash,
                    }
                    for r in report.releases
                ],
                "donations": [
                    {
                        "token_id": d.token_id,
                        "voucher_id": d.voucher_id,
                        "redeemer": d.redeemer,
                        "amount_wei": str(d.amount),
                        "block": d.block,
                        "tx_hash": d.tx_hash,
                    }
                    for d in report.donations
                ],
            }
        )
        return
    shown = table(
        f"{plural(len(report.donations), 'donation')} to {report.contract} on"
        f" {collection.chain.label}",
        ("token", "donor", "amount", "block"),
    )
    for d in report.donations:
        shown.add_row(*cells(short_token(d.token_id), d.redeemer, format_wei(d.amount), d.block))
    out_console.print(shown)
    payees = table("payees", ("payee", "shares", "released", "due"))
    for p in report.payees:
        share = f"{p.shares} ({p.shares * 100 / report.total_shares:.4g}%)"
        payees.add_row(p.address, share, format_wei(p.released), format_wei(p.due))
    out_console.print(payees)
    for r in report.releases:
        out_console.print(
            f"released {format_wei(r.amount)} to {r.payee} (block {r.block}, tx {r.tx_hash})"
        )
    out_console.print(
        f"received {format_wei(report.received)}, released"
        f" {format_wei(report.released)}, balance {format_wei(report.balance)}"
    )


@click.command()
@click.option(
    "--payee",
    type=ADDRESS,
    help="Release to this payee only (default: every payee with something due).",
)
@json_option
@connection_options(signs=True)
def release(payee: str | None, as_json: bool, connection: Connection) -> None:
    """Pay each payee its due share of the donations (anyone may send it; the Ether goes to the
    payee only)."""
    from provenance.chain.units import format_wei
    from provenance.workflows.ledger import release as run_release

    done = run_release(connection.open(with_signer=True), payee)
    if as_json:
        emit_json(
            {
                "releases": [
                    {
                        "payee": r.payee,
                        "amount_wei": str(r.amount),
                        "tx_hash": r.tx_hash,
                        "resumed": r.resumed,
                    }
                    for r in done
                ]
            }
        )
        return
    for r in done:
        out_console.print(
            f"[bold green]released {format_wei(r.amount)}[/] to {r.payee} ({r.tx_hash})"
        )


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
def withdraw() -> None:
    """Removed: donations are paid to the payees with `provenance release`."""
    raise InputError(
        "withdraw was removed with contract v2: donations are split among the payees;"
        " pay them with `provenance release [--payee 0x..]`"
    )
