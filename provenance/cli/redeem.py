"""``provenance redeem``: a donor redeems an offer (checks it, seals their message to their own
key, donates and mints). The donations it pays go to the payees: ``cli/donations.py``."""

from __future__ import annotations

from pathlib import Path

import click

from provenance.cli.options import (
    AMOUNT,
    Connection,
    connection_options,
    content_options,
    json_option,
    message_options,
)
from provenance.cli.render import emit_json, line, out_console
from provenance.content.message import read_message
from provenance.errors import InputError, NoDeploymentError


@click.command()
@click.argument("offer_file", type=click.Path(path_type=Path))
@message_options(sealed_to="your own key")
@click.option(
    "--donation",
    metavar="AMOUNT",
    type=AMOUNT,
    help="How much to give (default: the offer's minimum), e.g. 0.1ether.",
)
@click.option("--check-only", is_flag=True, help="Check the offer and stop; send nothing.")
@json_option
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
    from provenance.workflows.session import open_content_source

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
