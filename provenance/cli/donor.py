"""``provenance donor``: what a donor is asked to do to receive a sealed message."""

from __future__ import annotations

from pathlib import Path

import click

from provenance.cli.options import Connection, connection_options, json_option
from provenance.cli.render import emit_json

__all__ = ["donor"]


def _artwork_sha256(path: Path) -> str:
    from provenance.chain.token_id import file_sha256

    return file_sha256(path, what="artwork").hex()


@click.group()
def donor() -> None:
    """Donor-side helpers."""


@donor.command("consent-message")
@click.option("--donor", "donor_address", required=True, metavar="0x..", help="Donor address.")
@click.option(
    "--artwork",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The artwork file; its sha256 is named in the message.",
)
@json_option
@connection_options()
def consent_message_command(
    donor_address: str, artwork: Path | None, as_json: bool, connection: Connection
) -> None:
    """Print the text the donor signs (personal_sign) to reveal their public key.

    Sign the text exactly as printed, without the final newline. Without --contract the collection
    is this home's devnet collection or the --rpc-url chain's known deployment (never deployed
    here: a home without one is told how to name it).
    """
    from provenance.seal import consent_message

    sha256 = _artwork_sha256(artwork) if artwork is not None else None
    contract, chain_id = connection.contract, connection.chain_id
    if contract is None:
        collection = connection.open()
        contract = collection.contract.address
        chain_id = collection.chain.chain_id
    elif chain_id is None:
        from provenance.chain.devnet import DEVNET_CHAIN_ID

        chain_id = connection.chain().chain_id if connection.rpc_url else DEVNET_CHAIN_ID
    text = consent_message(
        donor=donor_address, chain_id=chain_id, contract=contract, artwork_sha256=sha256
    )
    if as_json:
        emit_json({"message": text, "chain_id": chain_id, "contract": contract})
        return
    click.echo(text)


@donor.command("key-message")
@click.option("--donor", "donor_address", required=True, metavar="0x..", help="Donor address.")
@click.option(
    "--contract", required=True, metavar="0x..", help="The collection's contract address."
)
@click.option(
    "--chain-id", required=True, type=click.IntRange(min=1), metavar="N", help="Chain id."
)
@json_option
def key_message_command(donor_address: str, contract: str, chain_id: int, as_json: bool) -> None:
    """Print the text a donor signs (personal_sign) to derive their sealing key in a collection.

    Sign the text exactly as printed, without the final newline.
    """
    from provenance.seal import key_message

    text = key_message(donor=donor_address, contract=contract, chain_id=chain_id)
    if as_json:
        emit_json({"message": text, "chain_id": chain_id, "contract": contract})
        return
    click.echo(text)
