"""``provenance donor``: what a donor is asked to do to receive a sealed message."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click

from provenance.errors import InputError

__all__ = ["donor"]


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise InputError(f"cannot read artwork {path}: {exc.strerror or exc}") from exc
    return digest.hexdigest()


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
@click.option(
    "--chain-id",
    type=click.IntRange(min=1),
    help="Chain id of the collection (default: the devnet's, or the --rpc-url chain's).",
)
@click.option(
    "--contract",
    metavar="0x..",
    help="The collection's contract address (default: the devnet's, or deployments.json).",
)
@click.option(
    "--rpc-url",
    envvar="PROVENANCE_RPC_URL",
    metavar="URL",
    help="JSON-RPC endpoint of a non-devnet network [env PROVENANCE_RPC_URL].",
)
def consent_message_command(
    donor_address: str,
    artwork: Path | None,
    chain_id: int | None,
    contract: str | None,
    rpc_url: str | None,
) -> None:
    """Print the text the donor signs (personal_sign) to reveal their public key.

    Sign the text exactly as printed, without the final newline.
    """
    from provenance.seal import consent_message

    sha256 = _sha256_file(artwork) if artwork is not None else None
    if contract is None:
        # Ask the collection itself: the devnet (started, deployed on first use) or --rpc-url.
        from provenance.collection import open_collection

        collection = open_collection(rpc_url=rpc_url, chain_id=chain_id)
        contract = collection.contract.address
        chain_id = collection.chain.chain_id
    elif chain_id is None:
        from provenance.chain.devnet import DEVNET_CHAIN_ID
        from provenance.chain.network import connect

        chain_id = connect(rpc_url=rpc_url).chain_id if rpc_url else DEVNET_CHAIN_ID
    click.echo(
        consent_message(
            donor=donor_address, chain_id=chain_id, contract=contract, artwork_sha256=sha256
        )
    )


@donor.command("key-message")
@click.option("--donor", "donor_address", required=True, metavar="0x..", help="Donor address.")
@click.option(
    "--contract", required=True, metavar="0x..", help="The collection's contract address."
)
@click.option(
    "--chain-id", required=True, type=click.IntRange(min=1), metavar="N", help="Chain id."
)
def key_message_command(donor_address: str, contract: str, chain_id: int) -> None:
    """Print the text a donor signs (personal_sign) to derive their sealing key in a collection.

    Sign the text exactly as printed, without the final newline.
    """
    from provenance.seal import key_message

    click.echo(key_message(donor=donor_address, contract=contract, chain_id=chain_id))
