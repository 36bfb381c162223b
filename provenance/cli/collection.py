"""``provenance collection set``: the exhibition's name, statement and cover (ERC-7572)."""

from __future__ import annotations

from pathlib import Path

import click

from provenance.cli.options import Connection, connection_options, json_option
from provenance.cli.render import emit_json, out_console


@click.group()
def collection() -> None:
    """The collection's contract-level metadata (what the gallery shows as the exhibition)."""


@collection.command("set")
@click.option("--name", required=True, help="The exhibition's title.")
@click.option("--description", default="", help="The artist's statement (plain text).")
@click.option(
    "--image",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Cover image (PNG, JPEG or WebP).",
)
@click.option("--external-link", metavar="URL", help="The artist's site.")
@json_option
@connection_options(signs=True)
def set_(
    name: str,
    description: str,
    image: Path,
    external_link: str | None,
    as_json: bool,
    connection: Connection,
) -> None:
    """Write and pin the ERC-7572 JSON and point contractURI at it (the admin only)."""
    from provenance.content.artwork import load_artwork
    from provenance.content.collection import build_contract_metadata
    from provenance.workflows.contract_metadata import set_collection

    load_artwork(image)  # a bad cover fails before the chain is touched
    build_contract_metadata(  # and so do bad texts
        name=name, description=description, image_cid="x", external_link=external_link
    )
    opened = connection.open(with_signer=True)
    result = set_collection(
        opened, name=name, description=description, image=image, external_link=external_link
    )
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
    out_console.print(f"  name      {name}", markup=False)  # the user's text, shown as is
