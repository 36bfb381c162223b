"""The chain layer: a JSON-RPC client, ABI coding, transactions, the devnet, accounts, the
ProvenanceArt binding, and which network and contract to use.

    rpc.RpcClient          eth_* over HTTP (transport: stdlib to loopback, httpx elsewhere),
                           failures translated into ChainError once; typed results
    abi.ContractABI        calls, return values, events, custom errors (revert data decoded here),
                           on the ABI codec in abicodec
    signing.LocalSigner    transactions, EIP-191 and EIP-712 signatures (coincurve)
    tx.Sender              prepare (estimate, price, number, sign) / broadcast / wait
    outbox.Outbox          the journaled send / resume / replace every transaction goes through
    address                the one address rule (parse_address) and ZERO_ADDRESS
    units                  amounts (0.05ether) and durations (7d), exact
    devnet.Devnet          the managed anvil with persistent state
    accounts               Foundry keystores, keys from the environment, anvil's dev accounts
    contract.ProvenanceArt typed calls and events of the collection contract
    network                connect(), signer(), resolve_contract(), deploy()

Names load on first use; no hot command imports eth-account, eth-abi or httpx (see
``tests/workflows/test_import_budget.py``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provenance.chain.abi import ContractABI
    from provenance.chain.accounts import dev_accounts, load_account
    from provenance.chain.contract import ProvenanceArt
    from provenance.chain.devnet import Devnet
    from provenance.chain.network import Chain, connect, resolve_contract, signer
    from provenance.chain.rpc import RpcClient
    from provenance.chain.tx import PreparedTx, Sender

__all__ = [
    "Chain",
    "ContractABI",
    "Devnet",
    "PreparedTx",
    "ProvenanceArt",
    "RpcClient",
    "Sender",
    "connect",
    "dev_accounts",
    "load_account",
    "resolve_contract",
    "signer",
]

_LAZY = {
    "ContractABI": "abi",
    "dev_accounts": "accounts",
    "load_account": "accounts",
    "ProvenanceArt": "contract",
    "Devnet": "devnet",
    "Chain": "network",
    "connect": "network",
    "resolve_contract": "network",
    "signer": "network",
    "RpcClient": "rpc",
    "PreparedTx": "tx",
    "Sender": "tx",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"provenance.chain.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'provenance.chain' has no attribute {name!r}")
