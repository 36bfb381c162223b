"""``provenance offer [make | cancel | list]``: the artist offers a work against a donation,
signed as an EIP-712 voucher (offer.json), and manages the offers made."""

from __future__ import annotations

import io
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
    json_option,
    token_metadata_options,
)
from provenance.cli.render import emit_json, err_console, line, out_console, plural, table
from provenance.errors import InputError

DEFAULT_GALLERY_URL = "http://127.0.0.1:8470"


def offer_url(gallery_url: str, offer_id: str) -> str:
    return f"{gallery_url.rstrip('/')}/offer/{offer_id}.html"


class OfferGroup(click.Group):
    """``provenance offer ARTWORK ...`` makes an offer (the ``make`` subcommand, the default);
    ``offer cancel`` and ``offer list`` manage the offers made. An artwork file named like a
    subcommand is given with a path: ``provenance offer ./list``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Bare `offer` too: it asks for ARTWORK, as it did before offer had subcommands.
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["make", *args]
        return super().parse_args(ctx, args)


@click.group(cls=OfferGroup)
def offer() -> None:
    """Offer an artwork against a donation, cancel an offer, list them.

    `provenance offer ARTWORK --min-donation AMOUNT -o offer.json` makes an offer (the same as
    `offer make ...`); `offer cancel offer.json` and `offer list` manage the offers made.
    """


@offer.command("make")
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
    metavar="URL",
    help="Base URL of the gallery the link and QR code point to (default: the collection's public"
    f" URL from `collection set --public-url`, else {DEFAULT_GALLERY_URL}).",
)
@click.option(
    "--qr-png",
    type=click.Path(path_type=Path),
    help="Where to write the QR code PNG (default: next to the offer, .png).",
)
@json_option
@connection_options(signs=True)
def make(
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
    gallery_url: str | None,
    qr_png: Path | None,
    as_json: bool,
    connection: Connection,
) -> None:
    """Offer ARTWORK against a donation: store it on IPFS and sign a voucher into offer.json.

    The default subcommand: `provenance offer ARTWORK --min-donation AMOUNT -o offer.json`."""
    import segno

    from provenance.chain.units import format_wei
    from provenance.content.token import token_spec
    from provenance.state.home import atomic_write
    from provenance.workflows.offer import make_offer

    if output.is_dir():
        raise InputError(f"-o {output} is a folder; give a file name such as offer.json")
    if not output.parent.is_dir():
        raise InputError(f"folder {output.parent} does not exist")
    if gallery_url is not None:
        from provenance.content.collection import parse_public_url

        gallery_url = parse_public_url(gallery_url)
    png = qr_png or output.with_suffix(".png")
    _only_new_files(output, png)  # before anything is stored or signed
    token = token_spec(  # the artwork read and checked once, before the chain is touched
        artwork,
        name=name,
        description=description,
        attributes=attributes,
        animation_url=animation_url,
        external_url=external_url,
        animation=animation,
        model=model_file,
        onnx=onnx_file,
    )
    collection = connection.open(with_signer=True)
    if gallery_url is None:
        from provenance.workflows.contract_metadata import read_collection_info

        info = read_collection_info(collection, collection.store)
        gallery_url = info.gallery_url if info and info.gallery_url else DEFAULT_GALLERY_URL
    made = make_offer(
        token,
        collection,
        min_donation=min_donation,
        recipient=recipient,
        expires_in=expires,
    )
    atomic_write(output, made.encode())
    url = offer_url(gallery_url, made.id_hex)
    from provenance.gallery.server import is_loopback_url

    if is_loopback_url(url):
        err_console.print(
            f"note: the offer's link and QR code point to {url}, which only works on this"
            " machine: give --gallery-url (or `provenance collection set --public-url URL`)",
            markup=False,
        )
    qr = segno.make(url, error="m")
    picture = io.BytesIO()
    qr.save(picture, kind="png", scale=8, border=4)
    atomic_write(png, picture.getvalue())
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
        line(
            ("offer written", "bold green"),
            f" to {output}: {made.name!r} for at least {format_wei(made.voucher.min_donation)}",
        )
    )
    out_console.print(line(f"  image     ipfs://{made.image_cid}"))
    out_console.print(line(f"  metadata  ipfs://{made.metadata_cid}"))
    out_console.print(line(f"  gallery   {url}"))
    out_console.print(line(f"  QR code   {png}"))
    if sys.stdout.isatty():
        qr.terminal(compact=True)
    out_console.print(line(f"  a donor redeems it with: provenance redeem {output} --account NAME"))


def _only_new_files(output: Path, png: Path) -> None:
    """``offer`` writes two new files and never replaces one it did not create: with ``-o
    ART.json`` the QR code's default place is ``ART.png``, which may be the artwork itself."""
    if output.absolute() == png.absolute():
        raise InputError(f"-o and --qr-png both name {output}; give two files")
    if output.exists() or output.is_symlink():
        raise InputError(f"{output} exists; offer writes only new files: give another -o FILE")
    if png.exists() or png.is_symlink():
        raise InputError(
            f"{png} exists; offer writes the QR code only to a new file: give --qr-png FILE"
        )


@offer.command("cancel")
@click.argument("offer_file", type=click.Path(path_type=Path))
@json_option
@connection_options(signs=True)
def cancel(offer_file: Path, as_json: bool, connection: Connection) -> None:
    """Cancel OFFER_FILE for good (its signer or an admin): it can never be redeemed."""
    from provenance.content.offer import load_offer
    from provenance.workflows.offer_state import cancel_offer

    parsed = load_offer(offer_file)
    result = cancel_offer(parsed, connection.open(with_signer=True))
    if as_json:
        emit_json(
            {
                "id": parsed.id_hex,
                "state": "canceled",
                "signer": parsed.voucher.signer,
                "canceled_by": result.canceled_by,
                "tx_hash": result.tx_hash,
                "resumed": result.resumed,
            }
        )
        return
    out_console.print(
        line(
            ("canceled", "bold green"),
            f" offer {parsed.id_hex[:18]}... ({parsed.name!r}) by {result.canceled_by},"
            f" tx {result.tx_hash}",
        )
    )


@offer.command("list")
@json_option
@connection_options()
def list_offers(as_json: bool, connection: Connection) -> None:
    """The offers this home made for the collection: open, redeemed, expired or canceled."""
    from provenance.chain.units import format_wei
    from provenance.workflows.offer_state import offer_statuses

    collection = connection.open()
    found = offer_statuses(collection)
    if as_json:
        emit_json(
            {
                "contract": collection.contract.address,
                "chain_id": collection.chain.chain_id,
                "offers": [
                    {
                        "id": status.offer.id_hex,
                        "name": status.offer.name,
                        "state": status.state.value,
                        "signer": status.offer.voucher.signer,
                        "recipient": status.offer.voucher.recipient,
                        "min_donation_wei": str(status.offer.voucher.min_donation),
                        "deadline": status.offer.voucher.deadline,
                        "metadata_cid": status.offer.metadata_cid,
                    }
                    for status in found
                ],
            }
        )
        return
    from rich.text import Text

    shown = table(
        f"{plural(len(found), 'offer')} for {collection.contract.address} on"
        f" {collection.chain.label}",
        ("offer", "state", "name", "minimum"),
    )
    for status in found:
        shown.add_row(
            status.offer.id_hex[:18],
            status.state,
            Text(status.offer.name),  # the offer file's own text: plain, never markup
            format_wei(status.offer.voucher.min_donation),
        )
    out_console.print(shown)
