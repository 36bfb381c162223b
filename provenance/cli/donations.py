"""``provenance offer | redeem | donations | withdraw``: donations against artist-signed vouchers."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from provenance.cli.options import (
    ADDRESS,
    AMOUNT,
    DURATION,
    Connection,
    attachment_options,
    connection_options,
    content_options,
    token_metadata_options,
)
from provenance.cli.render import emit_json, err_console, out_console, plural, table
from provenance.content.message import read_message
from provenance.errors import InputError

DEFAULT_GALLERY_URL = "http://127.0.0.1:8470"


def offer_url(gallery_url: str, offer_id: str) -> str:
    return f"{gallery_url.rstrip('/')}/offer/{offer_id}.html"


@click.command()
@click.argument("artwork", type=click.Path(path_type=Path))
@click.option(
    "--min-donation",
    required=True,
    metavar="AMOUNT",
    type=AMOUNT,
    help="Minimum donation, e.g. 0.05ether, 20gwei, 1000wei.",
)
@click.option(
    "--to",
    "recipient",
    type=ADDRESS,
    help="Only this address receives the token (default: whoever redeems).",
)
@click.option(
    "--expires",
    metavar="DURATION",
    type=DURATION,
    help="Validity, e.g. 90s, 15m, 12h, 7d, 2w (default: no expiry).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="Where to write offer.json (safe to publish).",
)
@token_metadata_options
@attachment_options
@click.option(
    "--gallery-url",
    default=DEFAULT_GALLERY_URL,
    show_default=True,
    help="Base URL of the gallery the link and QR code point to.",
)
@click.option(
    "--qr-png",
    type=click.Path(path_type=Path),
    help="Where to write the QR code PNG (default: next to the offer, .png).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@connection_options(signs=True)
def offer(
    artwork: Path,
    min_donation: int,
    recipient: str | None,
    expires: int | None,
    output: Path,
    name: str | None,
    description: str,
    attributes: tuple[str, ...],
    animation_url: str | None,
    external_url: str | None,
    animation: Path | None,
    model_file: Path | None,
    onnx_file: Path | None,
    gallery_url: str,
    qr_png: Path | None,
    as_json: bool,
    connection: Connection,
) -> None:
    """Offer ARTWORK against a donation: store it on IPFS and sign a voucher into offer.json."""
    import segno

    from provenance.chain.units import format_wei
    from provenance.content.artwork import load_artwork
    from provenance.content.attachments import load_attachments
    from provenance.content.metadata import parse_attributes
    from provenance.state.home import atomic_write
    from provenance.workflows.offer import make_offer

    parsed = parse_attributes(attributes)
    if output.is_dir():
        raise InputError(f"-o {output} is a folder; give a file name such as offer.json")
    if not output.parent.is_dir():
        raise InputError(f"folder {output.parent} does not exist")
    art = load_artwork(artwork)  # a bad file fails before the chain is touched
    if animation is not None and animation_url:
        raise InputError("give --animation or --animation-url, not both")
    attachments = load_attachments(art, animation=animation, model=model_file, onnx=onnx_file)
    collection = connection.open(with_signer=True)
    made = make_offer(
        artwork,
        collection,
        min_donation=min_donation,
        recipient=recipient,
        expires_in=expires,
        name=name,
        description=description,
        attributes=parsed,
        animation_url=animation_url,
        external_url=external_url,
        attachments=attachments,
    )
    atomic_write(output, made.encode())
    url = offer_url(gallery_url, made.id_hex)
    qr = segno.make(url, error="m")
    png = qr_png or output.with_suffix(".png")
    qr.save(str(png), scale=8, border=4)
    if as_json:
        emit_json(
            {
                "offer": str(output),
                "id": made.id_hex,
                "url": url,
                "qr_png": str(png),
                "metadata_cid": made.metadata_cid,
                "image_cid": made.image_cid,
                "min_donation_wei": str(made.voucher.min_donation),
                "deadline": made.voucher.deadline,
                "chain_id": made.chain_id,
                "contract": made.contract,
                "signer": made.voucher.signer,
            }
        )
        return
    out_console.print(
        f"[bold green]offer written[/] to {output}: {made.name!r} for at least"
        f" {format_wei(made.voucher.min_donation)}"
    )
    out_console.print(f"  image     ipfs://{made.image_cid}")
    out_console.print(f"  metadata  ipfs://{made.metadata_cid}")
    out_console.print(f"  gallery   {url}")
    out_console.print(f"  QR code   {png}")
    if sys.stdout.isatty():
        qr.terminal(compact=True)
    out_console.print(f"  a donor redeems it with: provenance redeem {output} --account NAME")


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
    collection = connection.open(with_signer=not check_only or connection.has_signer)
    if check_only:
        redeemer = collection.sender.address if collection.sender is not None else None
        checked = check_offer(
            parsed, collection, source, redeemer=redeemer, sealed=data is not None
        )
        if as_json:
            emit_json({"ok": True, "id": parsed.id_hex, "name": checked.metadata["name"]})
        else:
            out_console.print(
                f"[bold green]offer checks out[/]: {checked.metadata['name']!r},"
                f" at least {format_wei(parsed.voucher.min_donation)}"
            )
        return
    result = run_redeem(parsed, collection, source, message=data, donation=donation)
    if as_json:
        emit_json(
            {
                "token_id": result.token_id,
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
        f"[bold green]redeemed: token {result.token_id}[/] is now {result.owner}'s"
        f" (donated {format_wei(result.donation)})"
        + (" (finished an interrupted redemption)" if result.resumed else "")
    )
    out_console.print(f"  tx        {result.tx_hash}")
    # Name the collection whenever it is not the one configured for this chain.
    where = f" --contract {result.contract}" if connection.contract is not None else ""
    if result.sealed:
        out_console.print(
            "  message   sealed to your wallet's key; read it on the token's gallery page, or with"
            f" `provenance decrypt {result.token_id}{where} --account NAME`"
        )
    out_console.print(f"  verify    provenance verify {result.token_id}{where}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@connection_options()
def donations(as_json: bool, connection: Connection) -> None:
    """The collection's balance and every donation received (from VoucherRedeemed events)."""
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
                "withdrawn_wei": str(report.withdrawn),
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
        shown.add_row(str(d.token_id), d.redeemer, format_wei(d.amount), str(d.block))
    out_console.print(shown)
    out_console.print(
        f"received {format_wei(report.received)}, withdrawn"
        f" {format_wei(report.withdrawn)}, balance {format_wei(report.balance)}"
    )


@click.command()
@click.option("--to", "beneficiary", required=True, type=ADDRESS, help="Who receives the funds.")
@click.option(
    "--amount",
    metavar="AMOUNT",
    type=AMOUNT,
    help="How much (default: the whole balance), e.g. 0.5ether.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@connection_options(signs=True)
def withdraw(
    beneficiary: str,
    amount: int | None,
    as_json: bool,
    connection: Connection,
) -> None:
    """Send the collection's donations to --to (the admin only)."""
    from provenance.chain.units import format_wei
    from provenance.workflows.ledger import withdraw as run_withdraw

    collection = connection.open(with_signer=True)
    result = run_withdraw(collection, beneficiary, amount=amount)
    if as_json:
        emit_json(
            {
                "beneficiary": result.beneficiary,
                "amount_wei": str(result.amount),
                "tx_hash": result.tx_hash,
                "balance_after_wei": str(result.balance_after),
            }
        )
        return
    out_console.print(
        f"[bold green]withdrew {format_wei(result.amount)}[/] to"
        f" {result.beneficiary} ({result.tx_hash})"
    )
    err_console.print(f"  balance now {format_wei(result.balance_after)}")
