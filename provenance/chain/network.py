"""Which chain, which contract, which signer.

``devnet`` (the default) is the managed local anvil: started on demand, and the contract deployed
on first use. Any other network is an RPC URL, its chain id checked against what the user says, and
a contract address from ``--contract`` or ``deployments.json``; the toolkit never deploys to a
non-devnet chain implicitly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.chain.address import parse_address
from provenance.chain.contract import ProvenanceArt, deploy_provenance_art
from provenance.chain.deployments import Deployments
from provenance.chain.devnet import Devnet
from provenance.chain.evm import BuildChoice, choose_build
from provenance.chain.rpc import RpcClient, redact_url
from provenance.chain.tx import Sender
from provenance.errors import ConfigError, InputError, NoDeploymentError
from provenance.state.home import file_lock, home

if TYPE_CHECKING:
    from provenance.chain.signing import LocalSigner

__all__ = [
    "KNOWN_NETWORKS",
    "Chain",
    "Deployed",
    "KnownNetwork",
    "chain_label",
    "chain_name",
    "connect",
    "default_confirmations",
    "resolve_contract",
    "signer",
]


@dataclass(frozen=True)
class KnownNetwork:
    name: str
    #: Blocks on top of a transaction's own before it counts as final (``--confirmations``): a
    #: few minutes of blocks on each network, beyond the reorganisations its users have seen.
    confirmations: int


#: The one table of chains known by name (the gallery's ``chains.js`` reads a JSON copy that
#: ``scripts/build-gallery-js`` writes; a test keeps the two equal). Any other chain is its number.
KNOWN_NETWORKS: dict[int, KnownNetwork] = {
    1: KnownNetwork("Ethereum", 12),
    11155111: KnownNetwork("Sepolia", 6),
    17000: KnownNetwork("Holesky", 6),
    8453: KnownNetwork("Base", 12),
    10: KnownNetwork("Optimism", 12),
    42161: KnownNetwork("Arbitrum One", 20),
    137: KnownNetwork("Polygon", 32),
    31337: KnownNetwork("devnet", 1),
}
# Unknown chains (ganache, hardhat, a private network): the receipt alone. Local nodes mine only
# when sent a transaction, so waiting for more blocks there would wait for ever.
_UNKNOWN_CONFIRMATIONS = 1


def chain_name(chain_id: int) -> str:
    """``Sepolia`` for a known chain id, ``chain 5`` for any other."""
    known = KNOWN_NETWORKS.get(chain_id)
    return known.name if known else f"chain {chain_id}"


def chain_label(chain_id: int) -> str:
    """``Sepolia (chain 11155111)`` for a known chain id, ``chain 5`` for any other."""
    known = KNOWN_NETWORKS.get(chain_id)
    return f"{known.name} (chain {chain_id})" if known else f"chain {chain_id}"


def default_confirmations(chain_id: int) -> int:
    """How many confirmations a transaction needs on ``chain_id`` unless the user says."""
    known = KNOWN_NETWORKS.get(chain_id)
    return known.confirmations if known else _UNKNOWN_CONFIRMATIONS


@dataclass(frozen=True)
class Deployed:
    contract: ProvenanceArt
    choice: BuildChoice  # which build, and why
    tx_hash: str  # the deployment transaction


@dataclass
class Chain:
    rpc: RpcClient
    chain_id: int
    key: str  # "devnet", or the decimal chain id
    is_devnet: bool
    # Blocks before a transaction counts as final: --confirmations, else the network's default.
    confirmations: int = 1

    @property
    def label(self) -> str:
        return (
            "devnet"
            if self.is_devnet
            else f"{chain_label(self.chain_id)} at {redact_url(self.rpc.url)}"
        )


def connect(
    *,
    rpc_url: str | None = None,
    chain_id: int | None = None,
    start: bool = True,
    confirmations: int | None = None,
) -> Chain:
    """The devnet (started when needed), or the RPC URL given / in ``PROVENANCE_RPC_URL``."""
    rpc_url = rpc_url or os.environ.get("PROVENANCE_RPC_URL") or None
    if rpc_url is None:
        devnet = Devnet()
        info = devnet.up() if start else devnet.info()
        if info is None:
            raise ConfigError("the devnet is not running: run `provenance chain up`")
        rpc = RpcClient(info.rpc_url)
        actual = rpc.chain_id()
        if chain_id is not None and actual != chain_id:  # --chain-id holds for the devnet too
            raise ConfigError(
                f"wrong chain: the devnet is chain {actual}, but chain {chain_id} was expected"
                " (--chain-id); give the --rpc-url of that chain"
            )
        return Chain(
            rpc=rpc, chain_id=actual, key="devnet", is_devnet=True, confirmations=confirmations or 1
        )
    if not rpc_url.startswith(("http://", "https://")):
        raise InputError(f"--rpc-url must be an http(s) URL, got {redact_url(rpc_url)!r}")
    rpc = RpcClient(rpc_url)
    actual = rpc.chain_id()
    if chain_id is not None and actual != chain_id:
        raise ConfigError(
            f"wrong chain: {redact_url(rpc_url)} is chain {actual}, but chain {chain_id} was expected"
        )
    final = confirmations or default_confirmations(actual)
    return Chain(rpc=rpc, chain_id=actual, key=str(actual), is_devnet=False, confirmations=final)


def signer(
    chain: Chain,
    *,
    account: str | None = None,
    private_key_env: str | None = None,
    password_env: str | None = None,
    keystore_dir: Path | None = None,
) -> LocalSigner:
    """The account that signs: a keystore or env key when given, else devnet dev account 0."""
    from provenance.chain.accounts import dev_accounts, load_account

    if account or private_key_env:
        return load_account(
            account=account,
            private_key_env=private_key_env,
            password_env=password_env,
            keystore_dir=keystore_dir,
        )
    if chain.is_devnet:
        return dev_accounts(1)[0]
    raise InputError(f"{chain.label} needs a signer: give --account NAME or --private-key-env VAR")


def resolve_contract(
    chain: Chain,
    *,
    contract: str | None = None,
    deployer: LocalSigner | None = None,
    deploy_if_missing: bool = True,
) -> ProvenanceArt:
    """The collection contract. On the devnet it is deployed on first use (or after a reset)."""
    deployments = Deployments()
    if contract is not None:
        address = parse_address(contract, what="--contract")
        source = "--contract"
    else:
        entry = deployments.get(chain.key)
        address = entry["address"] if entry else ""
        source = "deployments.json"
    if address:
        block = int(entry["block"]) if contract is None and entry and "block" in entry else 0
        bound = ProvenanceArt(chain.rpc, address, from_block=block)
        if bound.has_code():
            return bound
        if not (chain.is_devnet and contract is None):
            raise ConfigError(f"no contract code at {address} on {chain.label} (from {source})")
    if not chain.is_devnet:
        raise NoDeploymentError(
            f"no ProvenanceArt deployment known for {chain.label}: run `provenance deploy`"
            " or pass --contract"
        )
    if not deploy_if_missing:
        raise NoDeploymentError("no contract on the devnet yet: run `provenance deploy`")
    # Two commands may both find no contract: deploy once, under the devnet's lock.
    with file_lock(home().deploy_lock):
        entry = deployments.get(chain.key)
        if entry:
            bound = ProvenanceArt(chain.rpc, entry["address"], from_block=int(entry["block"]))
            if bound.has_code():
                return bound
        return deploy(chain, deployer=deployer).contract


def deploy(
    chain: Chain,
    *,
    deployer: LocalSigner | None = None,
    evm_version: str | None = None,
    **options: object,
) -> Deployed:
    """Deploy the build the chain can run (or the one ``evm_version`` names) and record it, with
    its EVM version, in deployments.json."""
    account = deployer or signer(chain)
    choice = choose_build(chain.rpc, evm_version)
    sender = Sender(chain.rpc, account, chain_id=chain.chain_id, confirmations=chain.confirmations)
    from provenance.state.journal import Journal

    address, receipt = deploy_provenance_art(
        sender,
        journal=Journal(),
        build=choice.build,
        **options,  # type: ignore[arg-type]
    )
    Deployments().put(
        chain.key,
        {
            "address": address,
            "chain_id": chain.chain_id,
            "tx": receipt.tx_hash,
            "block": receipt.block_number,
            "deployer": sender.address,
            "evm_version": choice.build.evm_version,
            "contract_name": choice.build.contract,
        },
    )
    bound = ProvenanceArt(chain.rpc, address, from_block=receipt.block_number)
    return Deployed(contract=bound, choice=choice, tx_hash=receipt.tx_hash)
