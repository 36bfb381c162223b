"""anvil's pool race: a transaction left queued although its nonce is the account's next.

anvil (1.7.1, and foundry's main branch as of this writing) reads the sender's nonce when a
transaction arrives and files it as *ready* when its nonce is that one, else as *queued* behind
the transaction that provides the nonce before it (``crates/anvil/src/eth/api.rs``,
``nonce_markers``). A queued transaction is promoted only when a block that includes its
predecessor is mined (``crates/anvil/src/eth/pool/mod.rs``, ``on_mined_block`` ->
``prune_markers``). When the predecessor's block is committed between the nonce read and the
filing, the transaction is queued behind a block that has already been mined, and nothing
promotes it: with automine no block comes without a ready transaction, so every later
transaction of the account waits behind it too. A batch that sends transactions back to back
meets this now and then (once in one of our 1,000-work benchmark runs).

Recognised exactly (the node says it is anvil, the transaction is in the sender's queued set, and
its nonce is the sender's mined count: on any node a transaction that should be next), the
sender's queued transactions are taken out of the pool (``anvil_removePoolTransactions``: anvil's
``anvil_dropTransaction`` drops ready ones only) and the same signed bytes are sent again in
nonce order: the first one's nonce is now the account's, so it is ready and mined at once, and
each of the others is filed behind it.
"""

from __future__ import annotations

from typing import Any

from provenance.chain.rpc import RpcClient, Transaction
from provenance.errors import ChainError

__all__ = ["is_anvil", "release_if_stuck"]


def is_anvil(rpc: RpcClient) -> bool:
    """Whether the node is anvil (``web3_clientVersion`` ``anvil/v...``)."""
    try:
        version = rpc.request("web3_clientVersion")
    except ChainError:
        return False
    return isinstance(version, str) and version.lower().startswith("anvil/")


def release_if_stuck(rpc: RpcClient, transaction: Transaction) -> bool:
    """Send ``transaction`` and the sender's others queued behind it again if anvil holds it
    queued although its nonce is next (see the module docstring); whether it did. Only for a
    node :func:`is_anvil` recognised."""
    if rpc.transaction_count(transaction.sender, "latest") != transaction.nonce:
        return False  # waiting behind an earlier transaction, as it should
    queued = _queued_of(rpc.request("txpool_content"), transaction.sender)
    held = queued.get(transaction.nonce)
    if held is None or str(held.get("hash", "")).lower() != transaction.hash.lower():
        return False
    hashes = [str(queued[nonce]["hash"]) for nonce in sorted(queued)]
    raws = rpc.request_many([("eth_getRawTransactionByHash", [h]) for h in hashes])
    if not all(isinstance(raw, str) and raw.startswith("0x") for raw in raws):
        return False  # one left the pool meanwhile: the next wait looks again
    rpc.request("anvil_removePoolTransactions", [transaction.sender])
    for raw in raws:
        rpc.send_raw_transaction(bytes.fromhex(raw[2:]))
    return True


def _queued_of(content: Any, sender: str) -> dict[int, dict[str, Any]]:
    """The sender's queued transactions in a ``txpool_content`` answer, by nonce."""
    queued = content.get("queued") if isinstance(content, dict) else None
    if not isinstance(queued, dict):
        return {}
    mine = next((v for k, v in queued.items() if str(k).lower() == sender.lower()), None)
    if not isinstance(mine, dict):
        return {}
    return {
        int(nonce): held
        for nonce, held in mine.items()
        if str(nonce).isdigit() and isinstance(held, dict)
    }
