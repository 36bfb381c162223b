"""``provenance publish``: every block the exhibition needs, pushed to Kubo and/or a pinning service.

What a collection needs (:func:`needed`): the contract-level JSON and its cover; for every minted
token its metadata, image and committed animation (or an ``ipfs://`` animation_url), and the model
and ONNX files its generation record names; the same for this home's open offers of the
collection. Each is a root: a whole DAG, read from the local blockstore, so every block is checked
against its CID on the way out.

For each root and each remote side (``ipfs.remote.push``, the routine ``mint`` uses too):

- Kubo: skipped when Kubo already lists it as a recursive pin; otherwise its exact blocks go as a
  CAR (``dag/import``, roots pinned), and Kubo must report that root and then list its pin.
- pinning service: skipped when a pin request for the CID is already queued, pinning or pinned;
  otherwise a pin is requested and the service must answer with that CID and a live status
  (``failed`` is a failure).

A failure of one root does not stop the others: the outcome lists each, so a re-run (which skips
what is already there) finishes the job.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from provenance.content.metadata import MAX_METADATA_BYTES, parse_metadata, recorded_metadata
from provenance.errors import ProvenanceError
from provenance.ipfs.cid import raw_cid_for_sha256
from provenance.ipfs.remote.push import Pushed, normal_cid, push_to_kubo, push_to_pinning
from provenance.workflows.session import Session

if TYPE_CHECKING:
    from provenance.ipfs import Blockstore, KuboClient, PinningClient

__all__ = ["Item", "Published", "PushResult", "PushStatus", "needed", "publish"]


@dataclass(frozen=True)
class Item:
    cid: str
    what: str  # "token 3 image", "collection cover", ...


class PushStatus(enum.StrEnum):
    SENT = "sent"
    PRESENT = "present"  # the remote side had it: skipped
    FAILED = "failed"


@dataclass(frozen=True)
class PushResult:
    """One root on one remote side (``local``: a problem found while listing the roots)."""

    what: str
    cid: str
    remote: str  # "kubo", "pinning" or "local"
    status: PushStatus
    error: str = ""  # the failure's reason


@dataclass
class Published:
    items: list[Item] = field(default_factory=list)
    results: list[PushResult] = field(default_factory=list)

    @property
    def failures(self) -> list[PushResult]:
        return [r for r in self.results if r.status is PushStatus.FAILED]

    def count(self, status: PushStatus) -> int:
        return sum(1 for r in self.results if r.status is status)


def _ipfs_cid(url: Any) -> str | None:
    if isinstance(url, str) and url.startswith("ipfs://"):
        try:
            return normal_cid(url.removeprefix("ipfs://").split("/")[0])
        except ProvenanceError:
            return None
    return None


def _metadata_items(metadata: dict[str, Any], label: str) -> list[Item]:
    prov = metadata["provenance"]
    items = [Item(str(prov["image"]["cid"]), f"{label} image")]
    animation = _ipfs_cid(metadata.get("animation_url"))
    if animation:
        items.append(Item(animation, f"{label} animation"))
    generator = prov.get("generator")
    if isinstance(generator, dict):
        model = generator.get("model")
        if isinstance(model, dict) and isinstance(model.get("cid"), str):
            items.append(Item(str(model["cid"]), f"{label} model"))
        onnx = generator.get("onnx")
        if isinstance(onnx, dict) and isinstance(onnx.get("cid"), str):
            items.append(Item(str(onnx["cid"]), f"{label} ONNX model"))
    return items


def needed(collection: Session, store: Blockstore) -> tuple[list[Item], list[str]]:
    """(every root the exhibition needs, problems found while listing them)."""
    contract = collection.contract
    items: list[Item] = []
    problems: list[str] = []
    uri_cid = _ipfs_cid(contract.call("contractURI"))
    if uri_cid:
        items.append(Item(uri_cid, "collection metadata (contractURI)"))
        try:
            from provenance.content.collection import parse_contract_metadata

            info = parse_contract_metadata(store.cat(uri_cid, max_size=MAX_METADATA_BYTES))
            if info.image_cid:
                items.append(Item(normal_cid(info.image_cid), "collection cover"))
        except ProvenanceError as exc:
            problems.append(f"collection metadata {uri_cid}: {exc}")
    from provenance.chain.chainview import read_chain

    # The records from the mint events (one scan, not a call per token: the record is the
    # metadata digest the event carries, written once at the mint).
    for mint in sorted(read_chain(contract).mints, key=lambda m: m.token_id):
        token_id = mint.token_id
        metadata_cid = raw_cid_for_sha256(mint.metadata_digest)
        items.append(Item(metadata_cid, f"token {token_id} metadata"))
        try:
            metadata = recorded_metadata(
                mint.metadata_digest, partial(store.cat, metadata_cid, max_size=MAX_METADATA_BYTES)
            )
            items += _metadata_items(metadata, f"token {token_id}")
        except ProvenanceError as exc:
            problems.append(f"token {token_id} metadata {metadata_cid}: {exc}")
    from provenance.workflows.offer import saved_offers  # an offer's own files, not a sibling's

    for offer in saved_offers():
        if offer.chain_id != collection.chain.chain_id or offer.contract != contract.address:
            continue
        if contract.token_of_image(offer.voucher.image_digest):
            continue  # redeemed: its token is listed above
        label = f"offer {offer.id_hex[:10]}"
        items.append(Item(offer.metadata_cid, f"{label} metadata"))
        try:
            metadata = parse_metadata(store.cat(offer.metadata_cid, max_size=MAX_METADATA_BYTES))
        except ProvenanceError as exc:
            problems.append(f"{label} metadata {offer.metadata_cid}: {exc}")
            continue
        items += _metadata_items(metadata, label)
    unique: dict[str, Item] = {}
    for item in items:
        unique.setdefault(item.cid, item)
    return list(unique.values()), problems


def publish(
    collection: Session,
    *,
    kubo: KuboClient | None,
    pinning: PinningClient | None,
    progress: Callable[[str], None] | None = None,
) -> Published:
    note = progress or (lambda _text: None)
    store = collection.store
    items, problems = needed(collection, store)
    outcome = Published(items=items)
    for problem in problems:
        outcome.results.append(PushResult(problem, "", "local", PushStatus.FAILED, problem))
    sides: list[tuple[str, Callable[[Item], Pushed]]] = []
    if kubo is not None:
        sides.append(("kubo", lambda item: push_to_kubo(kubo, store, item.cid)))
    if pinning is not None:
        sides.append(("pinning", lambda item: push_to_pinning(pinning, item.cid, name=item.what)))
    for item in items:
        for remote, push in sides:
            note(f"{remote}: {item.what} {item.cid}")
            try:
                status, error = PushStatus(push(item).value), ""
            except ProvenanceError as exc:
                status, error = PushStatus.FAILED, str(exc)
            outcome.results.append(PushResult(item.what, item.cid, remote, status, error))
    return outcome
