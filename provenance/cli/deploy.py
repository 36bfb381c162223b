"""``provenance deploy``: put the collection contract on a chain."""

from __future__ import annotations

import click

from provenance.cli.options import ADDRESS, Connection, connection_options
from provenance.cli.render import emit_json, out_console


@click.command()
@click.option(
    "--rpc-url",
    envvar="PROVENANCE_RPC_URL",
    metavar="URL",
    help="JSON-RPC endpoint (default: the devnet).",
)
@click.option("--chain-id", type=int, metavar="N", help="Expected chain id.")
@click.option("--name", default="Provenance", show_default=True, help="ERC-721 name.")
@click.option("--symbol", default="PROV", show_default=True, help="ERC-721 symbol.")
@click.option(
    "--royalty-bps",
    type=click.IntRange(0, 10_000),
    default=500,
    show_default=True,
    help="Default ERC-2981 royalty in basis points.",
)
@click.option("--royalty-receiver", type=ADDRESS, help="Royalty receiver (default: the admin).")
@click.option("--contract-uri", default="", help="ERC-7572 contract-level metadata URI.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@connection_options(signs=True, contract=False)
def deploy(
    name: str,
    symbol: str,
    royalty_bps: int,
    royalty_receiver: str | None,
    contract_uri: str,
    as_json: bool,
    connection: Connection,
) -> None:
    """Deploy ProvenanceArt; the signer becomes its admin and first minter."""
    from provenance.chain.network import deploy as run_deploy
    from provenance.chain.network import signer

    chain = connection.chain()
    local = signer(
        chain,
        account=connection.account,
        private_key_env=connection.private_key_env,
        password_env=connection.password_env,
        keystore_dir=connection.keystore_dir,
    )
    bound = run_deploy(
        chain,
        deployer=local,
        name=name,
        symbol=symbol,
        royalty_bps=royalty_bps,
        royalty_receiver=royalty_receiver,
        contract_uri=contract_uri,
    )
    if as_json:
        emit_json({"address": bound.address, "chain_id": chain.chain_id, "admin": local.address})
        return
    out_console.print(
        f"ProvenanceArt deployed at {bound.address} on {chain.label} (admin {local.address})"
    )
