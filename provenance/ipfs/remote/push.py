"""Copy a DAG from the local blockstore to a remote side, and check what the remote side reports.

The one routine for ``mint`` (its new content) and ``publish`` (everything a collection needs):

- Kubo: skipped when Kubo already lists the root as a recursive pin; otherwise its exact blocks go
  as a CAR (``dag/import``, roots pinned), and Kubo must report that root and then list its pin.
- pinning service: skipped when a pin request for the CID is already queued, pinning or pinned;
  otherwise a pin is requested and the service must answer with that CID and a live status
  (``failed`` is a failure).
"""

from __future__ import annotations

import enum
import io
from typing import TYPE_CHECKING

from provenance.errors import IPFSError, ProvenanceError
from provenance.ipfs.cid import CID, b58decode

if TYPE_CHECKING:
    from provenance.ipfs.blockstore import Blockstore
    from provenance.ipfs.remote.kubo import KuboClient
    from provenance.ipfs.remote.pinning import PinningClient

__all__ = ["LIVE_STATUSES", "Pushed", "normal_cid", "push_to_kubo", "push_to_pinning"]

LIVE_STATUSES = ("queued", "pinning", "pinned")


class Pushed(enum.StrEnum):
    """What a push did: sent the content, or found it there already."""

    SENT = "sent"
    PRESENT = "present"


def normal_cid(text: str) -> str:
    """A CID in our text form (base32 v1 / Qm v0), also from base58btc ``z...`` (js-ipfs)."""
    text = text.strip()
    if text.startswith("z"):
        return str(CID.decode(b58decode(text[1:])))
    return str(CID.parse(text))


def push_to_kubo(kubo: KuboClient, store: Blockstore, cid: str) -> Pushed:
    """The DAG under ``cid`` into Kubo, pinned; ``IPFSError`` when Kubo reports otherwise."""
    from provenance.ipfs.car import export_car

    def pinned() -> bool:
        try:
            return any(normal_cid(key) == cid for key in kubo.pin_ls(cid))
        except ProvenanceError:  # "not pinned" is an error answer
            return False

    if pinned():
        return Pushed.PRESENT
    car = io.BytesIO()
    export_car(store, cid, car)
    roots = [normal_cid(root) for root in kubo.dag_import(car.getvalue(), pin_roots=True)]
    if roots != [cid]:
        raise IPFSError(f"Kubo reported the roots {roots}, not {cid}", cid=cid)
    if not pinned():
        raise IPFSError("Kubo imported it but does not list its pin", cid=cid)
    return Pushed.SENT


def push_to_pinning(pinning: PinningClient, cid: str, *, name: str) -> Pushed:
    """Ask the pinning service to pin ``cid`` (named ``name``) unless a live request exists."""
    for pin in pinning.list(cids=[cid], statuses=LIVE_STATUSES):
        if normal_cid(pin.cid) == cid:
            return Pushed.PRESENT
    status = pinning.add(cid, name=name)
    if normal_cid(status.cid) != cid:
        raise IPFSError(f"the pinning service answered for {status.cid}, not {cid}", cid=cid)
    if status.status not in LIVE_STATUSES:
        raise IPFSError(f"the pinning service says {status.status}", cid=cid)
    return Pushed.SENT
