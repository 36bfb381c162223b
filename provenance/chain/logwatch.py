"""Whether a contract's logs changed since the last look, for one ``eth_getLogs`` over the blocks
since then: what lets ``gallery serve`` keep its pages until the collection changes, instead of
reading every event of the collection again at every new block (3 s at 10,000 works, every 12 s
on a public chain, for a block that almost never holds one of its events).

Everything the gallery shows from the chain follows from the collection's logs (mints, transfers,
redemptions, cancellations, roles, the collection's metadata URI), so a version that moves when a
log is added or removed is enough. The last ``REORG_MARGIN`` blocks are looked at again each time:
a log a reorganisation removes there moves the version too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provenance.chain.rpc import RpcClient

__all__ = ["REORG_MARGIN", "LogWatch"]

REORG_MARGIN = 64  # blocks: deeper reorganisations are unheard of on the chains the toolkit serves


class LogWatch:
    def __init__(self, rpc: RpcClient, address: str, from_block: int) -> None:
        self.rpc, self.address, self.from_block = rpc, address, from_block
        self.version = 0
        self._start: int | None = None  # the first block of the logs in ``_seen``
        self._seen: tuple[tuple[str, str], ...] = ()

    def look(self, head: int) -> int:
        """The version of the contract's logs up to block ``head``: the same number as long as
        no log was added or removed."""
        start = self._start
        if start is None or head < start:  # the first look, or a chain that went back (a reset)
            if start is not None:
                self.version += 1
            start = max(self.from_block, head - REORG_MARGIN)
            self._seen = ()
        logs = self.rpc.get_logs(
            {"address": self.address, "fromBlock": hex(start), "toBlock": hex(head)}
        )
        seen = tuple((str(log.get("blockHash")), str(log.get("logIndex"))) for log in logs)
        if self._start is not None and seen != self._seen:
            self.version += 1
        # Keep only the margin: older logs are final, and the next query stays small.
        self._start = max(self.from_block, head - REORG_MARGIN)
        self._seen = tuple(
            key
            for key, log in zip(seen, logs, strict=True)
            if int(str(log.get("blockNumber")), 16) >= self._start
        )
        return self.version
