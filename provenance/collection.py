"""One collection to act on: the chain, the contract, the content store, the journal, the signer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from provenance.chain.contract import ProvenanceArt
from provenance.chain.network import Chain, connect, resolve_contract, signer
from provenance.chain.tx import Sender
from provenance.journal import Journal

if TYPE_CHECKING:
    from provenance.ipfs import Blockstore

__all__ = ["Collection", "open_collection"]


@dataclass
class Collection:
    chain: Chain
    contract: ProvenanceArt
    store: Blockstore
    journal: Journal
    sender: Sender | None = None


def open_collection(
    *,
    rpc_url: str | None = None,
    chain_id: int | None = None,
    contract: str | None = None,
    account: str | None = None,
    private_key_env: str | None = None,
    password_env: str | None = None,
    with_signer: bool = False,
) -> Collection:
    """Connect (starting the devnet and deploying there on first use) and open local state."""
    from provenance.ipfs import Blockstore

    chain = connect(rpc_url=rpc_url, chain_id=chain_id)
    local = None
    if with_signer:
        local = signer(chain, account=account, private_key_env=private_key_env,
                       password_env=password_env)
    # On first use the devnet's collection is deployed by dev account 0 (the artist), whoever
    # signs this command: an implicit deployment must not make a stranger its admin.
    bound = resolve_contract(chain, contract=contract)
    sender = Sender(chain.rpc, local, chain_id=chain.chain_id) if with_signer and local else None
    return Collection(chain=chain, contract=bound, store=Blockstore.open(), journal=Journal(),
                      sender=sender)
