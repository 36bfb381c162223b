"""``provenance redeem | donations | release``: a donor redeems an offer, and the donations go
to the collection's payees."""

from __future__ import annotations

from pathlib import Path

import click

from provenance.cli.options import (
    ADDRESS,
    AMOUNT,
    Connection,
    connection_options,
    content_options,
)
from provenance.cli.render import cells, emit_json, line, out_console, plural, table
from provenance.content.message import read_message
from provenance.errors import InputError, NoDeploymentError


@click.command()
@click.argument("offer_file", type=click.Path(path_type=Path))
@click.option("--message", metavar="TEXT", help="Message sealed to your own key (<= 1024 bytes).")
@click.option(
    "--message-file", type=click.Path(path_type=Path), help="Read the message from a file."
)
@click.option(
    "--donation",
    metavar="AMOUNT",
    type=AMOUNT,
    help="How much to give (default: the offer's minimum), e.g. 0.1ether.",
)
@click.option("--check-only", is_flag=True, help="Check the offer and stop; send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@content_options
@connection_options(signs=True)
def redeem(
    offer_file: Path,
    message: str | None,
    message_file: Path | None,
    donation: int | None,
    check_only: bool,
    as_json: bool,
    kubo_api: str | None,
    gateways: tuple[str, ...],
    connection: Connection,
) -> None:
    """Check OFFER_FILE, seal your message to your own key, donate and receive the token.

    Refuses expired, redeemed, tampered, foreign or under-paid offers before sending anything.
    """
    from provenance.chain.units import format_wei
    from provenance.content.offer import load_offer
    from provenance.workflows.offer import check_offer
    from provenance.workflows.redeem import redeem as run_redeem

    data = read_message(message, message_file)
    parsed = load_offer(offer_file)
    if not connection.has_signer and not check_only:
        raise InputError("redeem needs your account: --account NAME or --private-key-env VAR")
    from provenance.workflows.context import open_content_source

    source = open_content_source(kubo_api, gateways)
    # The collection is the one configured for this chain (deployments.json) or --contract, never
    # the one the offer names: check_offer refuses an offer for any other contract, naming both.
    # --check-only with an account also checks who redeems
    # A donor's home knows no collection: it is told which one the offer names (and that only
    # they can decide to trust it), and the devnet never gets a collection of its own for them.
    try:
        collection = connection.open(
            with_signer=not check_only or connection.has_signer, deploy=False
        )
    except NoDeploymentError as exc:
        raise NoDeploymentError(
            f"this home knows no collection on that chain; the offer is for {parsed.contract}"
            f" on chain {parsed.chain_id}: if you trust it, pass --contract {parsed.contract}"
            f" --rpc-url URL (an endpoint of chain {parsed.chain_id})"
        ) from exc
    if check_only:
        redeemer = collection.sender.address if collection.sender is not None else None
        checked = check_offer(
            parsed, collection, source, redeemer=redeemer, sealed=data is not None
        )
        if as_json:
            emit_json({"ok": True, "id": parsed.id_hex, "name": checked.metadata["name"]})
        else:
            out_console.print(
                line(
                    ("offer checks out", "bold green"),
                    f": {checked.metadata['name']!r},"
                    f" at least {format_wei(parsed.voucher.min_donation)}",
                )
            )
        return
    result = run_redeem(parsed, collection, source, message=data, donation=donation)
    from provenance.chain.token_id import short_token, token_hex

    if as_json:
        emit_json(
            {
                "token_id": result.token_id,
                "token_hex": token_hex(result.token_id),
                "tx_hash": result.tx_hash,
                "donation_wei": str(result.donation),
                "owner": result.owner,
                "sealed_message": result.sealed,
                "resumed": result.resumed,
                "chain_id": result.chain_id,
                "contract": result.contract,
                "metadata_cid": result.metadata_cid,
                "image_cid": result.image_cid,
            }
        )
        return
    out_console.print(
        f"[bold green]redeemed: token {short_token(result.token_id)}[/] is now {result.owner}'s"
        f" (donated {format_wei(result.donation)})"
        + (" (finished an interrupted redemption)" if result.resumed else "")
    )
    out_console.print(f"  tx        {result.tx_hash}")
    # Name the collection whenever it is not the one configured for this chain.
    where = f" --contract {result.contract}" if connection.contract is not None else ""
    if result.sealed:
        out_console.print(
            "  message   sealed to your wallet's key; read it on the token's gallery page, or with"
            f" `provenance decrypt {short_token(result.token_id)}{where} --account NAME`"
        )
    out_console.print(f"  verify    provenance verify {short_token(result.token_id)}{where}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
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
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
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
