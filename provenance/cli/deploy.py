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
@click.option(
    "--evm-version",
    type=click.Choice(["prague", "shanghai"]),
    help="Which build to deploy (default: probe the chain; shanghai runs on nodes before Cancun).",
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
    evm_version: str | None,
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
    deployed = run_deploy(
        chain,
        deployer=local,
        evm_version=evm_version,
        name=name,
        symbol=symbol,
        royalty_bps=royalty_bps,
        royalty_receiver=royalty_receiver,
        contract_uri=contract_uri,
        payees=list(payees),
    )
    from provenance.chain.verification import explorer_verification

    bound, choice = deployed.contract, deployed.choice
    verification = explorer_verification(
        chain.rpc,
        choice.build,
        address=bound.address,
        chain_id=chain.chain_id,
        tx_hash=deployed.tx_hash,
    )
    split = list(payees) or [(local.address, 1)]
    if as_json:
        emit_json(
            {
                "address": bound.address,
                "chain_id": chain.chain_id,
                "admin": local.address,
                "payees": [{"payee": a, "shares": n} for a, n in split],
                "evm_version": choice.build.evm_version,
                "contract_name": choice.build.contract,
                "tx": deployed.tx_hash,
                "verification": verification.to_json(),
            }
        )
        return
    total = sum(n for _, n in split)
    shares = ", ".join(f"{a} {n * 100 / total:.4g}%" for a, n in split)
    out_console.print(
        f"ProvenanceArt deployed at {bound.address} on {chain.label} (admin {local.address};"
        f" payees {shares})"
    )
    out_console.print(
        f"build: {choice.build.evm_version} ({choice.build.contract}, reentrancy guard in"
        f" {choice.build.guard}): {choice.reason}"
    )
    out_console.print(
        "verify its source on an explorer (Solidity, standard-JSON input):\n"
        f"  input        {verification.standard_json_input}\n"
        f"  contract     {verification.contract}\n"
        f"  compiler     {verification.compiler_version}\n"
        f"  constructor  {verification.constructor_args}",
        soft_wrap=True,
    )
    if verification.forge_command:
        out_console.print(
            f"  or, from a checkout of this repository: {verification.forge_command}",
            soft_wrap=True,
        )
