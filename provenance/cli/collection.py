"""``provenance collection set``: the exhibition's name, statement and cover (ERC-7572)."""

from __future__ import annotations

from pathlib import Path

import click

from provenance.cli.options import Connection, connection_options, json_option
from provenance.cli.render import emit_json, out_console
from provenance.content.collection import RENDERINGS


@click.group()
def collection() -> None:
    """The collection's contract-level metadata (what the gallery shows as the exhibition)."""


@collection.command("set")
@click.option("--name", help="The exhibition's title.")
@click.option("--description", help="The artist's statement (plain text).")
@click.option(
    "--image",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Cover image (PNG, JPEG or WebP).",
)
@click.option("--external-link", metavar="URL", help="The artist's site ('' removes it).")
@click.option("--artist", metavar="NAME", help="The artist's name, shown on every page.")
@click.option(
    "--public-url",
    metavar="URL",
    help="The gallery's public address: QR codes, offer links and the screen point there.",
)
@click.option(
    "--rendering",
    type=click.Choice(RENDERINGS),
    help="How small works are enlarged: pixel-sharp or a smooth upscale.",
)
@json_option
@connection_options(signs=True)
def set_(
    name: str | None,
    description: str | None,
    image: Path | None,
    external_link: str | None,
    artist: str | None,
    public_url: str | None,
    rendering: str | None,
    as_json: bool,
    connection: Connection,
) -> None:
    """Write and pin the ERC-7572 JSON and point contractURI at it (the admin only).

    Only what is given changes; the first run needs --name and --image.
    """
    from provenance.content.artwork import load_artwork
    from provenance.content.collection import build_contract_metadata
    from provenance.workflows.contract_metadata import CollectionChoices, set_collection

    if image is not None:
        load_artwork(image)  # a bad cover fails before the chain is touched
    build_contract_metadata(  # and so do bad texts
        name=name or "x",
        description=description or "",
        image_cid="x",
        external_link=external_link or None,
        artist=artist,
        gallery_url=public_url or None,
        rendering=rendering or "pixelated",
    )
    choices = CollectionChoices(
        name=name,
        description=description,
        image=image,
        external_link=external_link,
        artist=artist,
        gallery_url=public_url,
        rendering=rendering,
    )
    opened = connection.open(with_signer=True)
    result = set_collection(opened, choices)
    if as_json:
        emit_json(
            {
                "contract_uri": result.contract_uri,
                "metadata_cid": result.metadata_cid,
                "image_cid": result.image_cid,
                "tx_hash": result.tx_hash,
                "contract": opened.contract.address,
                "chain_id": opened.chain.chain_id,
            }
        )
        return
    if result.tx_hash is None:
        out_console.print(f"contractURI already {result.contract_uri}: nothing sent")
    else:
        out_console.print(f"contractURI set to {result.contract_uri} (tx {result.tx_hash})")
    out_console.print(f"  cover     ipfs://{result.image_cid}")
