"""When ``gallery serve`` must read the collection again: what its pages depend on, asked cheaply.

The pages follow from the collection's logs (mints, transfers, redemptions, cancellations, roles,
the collection's metadata URI: ``chain/logwatch.py`` gives them a version), from this home's offer
files, and from which offers have expired (the chain's time or the clock, as the offer check
counts). The served site is read again when one of those moves, not at every new block: on a
public chain a block comes every few seconds and almost never holds one of the collection's
events, and reading 10,000 works again took 3 s. A page looks at the head anew; the ``/ipfs/``
requests that follow it (dozens a page) reuse a look up to ``LOOK_INTERVAL`` old, so they cost the
node nothing more.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from provenance.chain.logwatch import LogWatch
from provenance.errors import ProvenanceError

if TYPE_CHECKING:
    from provenance.workflows.session import Session

__all__ = ["LOOK_INTERVAL", "SiteVersion"]

LOOK_INTERVAL = 1.0  # seconds an /ipfs/ request trusts the last look at the chain's head


class SiteVersion:
    def __init__(self, collection: Session) -> None:
        self.collection = collection
        self._watch: LogWatch | None = None  # made at the first look: serving starts offline
        self._looked: tuple[float, tuple[object, ...]] | None = None
        self._lock = threading.Lock()

    def current(self, *, max_age: float = 0.0) -> tuple[object, ...]:
        """A value that changes when the site would: (logs' version, offer files, expired).
        ``max_age``: a look at most that old will do (an /ipfs/ request; a page looks anew)."""
        with self._lock:
            if self._looked is not None and time.monotonic() - self._looked[0] <= max_age:
                return self._looked[1]
            if self._watch is None:
                contract = self.collection.contract
                rpc = self.collection.chain.rpc
                self._watch = LogWatch(rpc, contract.address, contract.from_block)
            head = self.collection.chain.rpc.get_block("latest")
            offers = _offer_files()
            now = max(head.timestamp, int(time.time()))
            expired = sum(1 for _, deadline in offers if deadline < now)
            key = (self._watch.look(head.number), tuple(name for name, _ in offers), expired)
            self._looked = (time.monotonic(), key)
            return key


def _offer_files() -> list[tuple[str, int]]:
    """(name and modification time, deadline) of this home's offer files, by name; a file that
    cannot be read counts by its name (deadline -1)."""
    from provenance.content.offer import load_offer
    from provenance.state.home import home

    folder = home().offers
    found = []
    for path in sorted(folder.glob("0x*.json")) if folder.is_dir() else []:
        try:
            deadline = load_offer(path).voucher.deadline
        except ProvenanceError:
            deadline = -1
        found.append((f"{path.name}:{path.stat().st_mtime_ns}", deadline))
    return found
