"""``provenance deploy``: put the collection contract on a chain."""

from __future__ import annotations

import click

from provenance.cli.options import ADDRESS, Connection, connection_options, json_option
from provenance.cli.render import emit_json, out_console


class PayeeType(click.ParamType[tuple[str, int], str]):
    """``0xADDRESS:SHARES``: a payee of the donations and its (whole, positive) shares."""

    name = "0xADDRESS:SHARES"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, int]:
        if isinstance(value, tuple):
            return value
        from provenance.chain.address import parse_address
        from provenance.errors import InputError

        address, _, shares = str(value).rpartition(":")
        if not address or not shares.isdigit() or int(shares) <= 0:
            self.fail(f"{value!r} is not ADDRESS:SHARES with whole shares > 0, e.g. 0xA..:60")
        try:
            return parse_address(address, what="payee address"), int(shares)
        except InputError as exc:
            self.fail(exc.message, param, ctx)


@click.command()
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
@click.option(
    "--payee",
    "payees",
    type=PayeeType(),
    metavar="0xADDRESS:SHARES",
    multiple=True,
    help="A payee and its shares of the donations, e.g. 0xA..:60 (repeat; default: the admin).",
)
@json_option
@connection_options(signs=True, contract=False)
def deploy(
    name: str,
    symbol: str,
    royalty_bps: int,
    royalty_receiver: str | None,
    contract_uri: str,
    payees: tuple[tuple[str, int], ...],
    as_json: bool,
    connection: Connection,
) -> None:
    """Deploy ProvenanceArt; the signer becomes its admin and first minter.

    Donations are split among the --payee accounts by their shares, fixed for good (default: the
    admin alone); each is paid its due with `provenance release`.
    """
    seen = [address for address, _ in payees]
    duplicate = next((a for a in seen if seen.count(a) > 1), None)
    if duplicate is not None:
        raise click.BadParameter(f"{duplicate} is given twice", param_hint="--payee")
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
        payees=list(payees),
    )
    split = list(payees) or [(local.address, 1)]
    if as_json:
        emit_json(
            {
                "address": bound.address,
                "chain_id": chain.chain_id,
                "admin": local.address,
                "payees": [{"payee": a, "shares": n} for a, n in split],
            }
        )
        return
    total = sum(n for _, n in split)
    shares = ", ".join(f"{a} {n * 100 / total:.4g}%" for a, n in split)
    out_console.print(
        f"ProvenanceArt deployed at {bound.address} on {chain.label} (admin {local.address};"
        f" payees {shares})"
    )
