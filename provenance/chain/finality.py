"""When a mined transaction counts as final: after N confirmations, and only if it is still there.

On the devnet, and on chains the toolkit does not know (often a local node that mines only when
sent a transaction), the receipt is enough: one confirmation. On a known public network the
default is the table's (``chain/network.py``), or ``--confirmations N``. While it waits, the
receipt is asked for again at each new block: a reorganisation that drops the transaction is
noticed, the transaction is given as many new blocks as it needed confirmations to come back
(nodes put dropped transactions back in their pool, and the new branch may include it), or a few
seconds when the node does not even hold it pending, and if it does not come back, :class:`TransactionDropped`
says so. The caller's journal slot is only cleared after this returns, so a re-run resumes the
very same transaction through the outbox (re-sent as the same bytes, or dropped for good when
another transaction took its nonce).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from provenance.chain.rpc import Receipt, RpcClient
from provenance.errors import ChainError, TransactionDropped

__all__ = ["wait_final"]


def wait_final(
    rpc: RpcClient,
    receipt: Receipt,
    *,
    confirmations: int,
    note: Callable[[str], None] = lambda _step: None,
    timeout: float = 1800.0,
    poll: float = 0.25,
    forget: float = 10.0,
) -> Receipt:
    """The receipt of ``receipt``'s transaction once ``confirmations`` blocks include it (its own
    block counts as the first); raises :class:`TransactionDropped` when a reorganisation dropped it
    and ``confirmations`` new blocks came without it, or the node has not even had it pending for
    ``forget`` seconds (nothing would bring it back)."""
    if confirmations <= 1:
        return receipt
    tx_hash = receipt.tx_hash
    deadline = time.monotonic() + timeout
    gone_at: int | None = None  # the chain's height when the transaction was found gone
    unknown_since: float | None = None  # when the node was first found not to have it pending
    last_shown = -1
    while True:
        current = rpc.get_receipt(tx_hash)
        if current is None:
            height = rpc.block_number()
            if gone_at is None:
                gone_at = height
                note(
                    f"{tx_hash} left the chain at block {receipt.block_number} (a"
                    " reorganisation): waiting for it to come back"
                )
            elif height - gone_at >= confirmations:
                raise TransactionDropped(tx_hash, block=receipt.block_number)
            if rpc.get_transaction(tx_hash) is None:
                now = time.monotonic()
                unknown_since = unknown_since or now
                if now - unknown_since > forget:
                    raise TransactionDropped(tx_hash, block=receipt.block_number)
            else:
                unknown_since = None
        else:
            gone_at = unknown_since = None
            receipt = current
            depth = rpc.block_number() - current.block_number + 1
            if depth >= confirmations:
                return current
            if depth != last_shown:
                note(
                    f"{depth}/{confirmations} confirmations of {tx_hash}"
                    f" (block {current.block_number})"
                )
                last_shown = depth
        if time.monotonic() > deadline:
            raise ChainError(
                f"{tx_hash} did not reach {confirmations} confirmations in {timeout:.0f} s",
                tx_hash=tx_hash,
            )
        time.sleep(poll)
