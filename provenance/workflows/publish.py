"""``provenance publish``: every block the exhibition needs, pushed to Kubo and/or a pinning service.

What a collection needs (:func:`needed`): the contract-level JSON and its cover; for every minted
token its metadata, image and committed animation (or an ``ipfs://`` animation_url), and the model
and ONNX files its generation record names; the same for this home's open offers of the
collection. Each is a root: a whole DAG, read from the local blockstore, so every block is checked
against its CID on the way out.

For each root and each remote side:

- Kubo: skipped when Kubo already lists it as a recursive pin; otherwise its exact blocks go as a
  CAR (``dag/import``, roots pinned), and Kubo must report that root and then list its pin.
- pinning service: skipped when a pin request for the CID is already queued, pinning or pinned;
  otherwise a pin is requested and the service must answer with that CID and a live status
  (``failed`` is a failure).

A failure of one root does not stop the others: the outcome lists each, so a re-run (which skips
what is already there) finishes the job.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from provenance.content.metadata import MAX_METADATA_BYTES, parse_metadata
from provenance.errors import ProvenanceError
from provenance.ipfs.cid import CID, b58decode, raw_cid_for_sha256
from provenance.workflows.context import Collection

if TYPE_CHECKING:
    from provenance.ipfs import Blockstore, KuboClient, PinningClient

__all__ = ["Item", "Outcome", "needed", "publish"]

LIVE_STATUSES = ("queued", "pinning", "pinned")


@dataclass(frozen=True)
class Item:
    cid: str
    what: str  # "token 3 image", "collection cover", ...


@dataclass
class Outcome:
    items: list[Item] = field(default_factory=list)
    # (what, cid, remote side, action): "sent", "present" (skipped), or the failure's reason
    results: list[dict[str, str]] = field(default_factory=list)

    @property
    def failures(self) -> list[dict[str, str]]:
        return [r for r in self.results if r["status"] == "failed"]


def normal_cid(text: str) -> str:
    """A CID in our text form (base32 v1 / Qm v0), also from base58btc ``z...`` (js-ipfs)."""
    text = text.strip()
    if text.startswith("z"):
        return str(CID.decode(b58decode(text[1:])))
    return str(CID.parse(text))


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


def needed(collection: Collection, store: Blockstore) -> tuple[list[Item], list[str]]:
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
    tokens = sorted({int(e.args["tokenId"]) for e in contract.events("ArtworkMinted")})
    for token_id in tokens:
        metadata_cid = raw_cid_for_sha256(contract.record_of(token_id).metadata_digest)
        items.append(Item(metadata_cid, f"token {token_id} metadata"))
        try:
            metadata = parse_metadata(store.cat(metadata_cid, max_size=MAX_METADATA_BYTES))
        except ProvenanceError as exc:
            problems.append(f"token {token_id} metadata {metadata_cid}: {exc}")
            continue
        items += _metadata_items(metadata, f"token {token_id}")
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


def _to_kubo(kubo: KuboClient, store: Blockstore, item: Item) -> str:
    from provenance.ipfs import export_car

    def pinned() -> bool:
        try:
            return any(normal_cid(key) == item.cid for key in kubo.pin_ls(item.cid))
        except ProvenanceError:  # "not pinned" is an error answer
            return False

    if pinned():
        return "present"
    car = io.BytesIO()
    export_car(store, item.cid, car)
    roots = [normal_cid(root) for root in kubo.dag_import(car.getvalue(), pin_roots=True)]
    if roots != [item.cid]:
        raise ProvenanceError(f"Kubo reported the roots {roots}, not {item.cid}")
    if not pinned():
        raise ProvenanceError("Kubo imported it but does not list its pin")
    return "sent"


def _to_pinning(pinning: PinningClient, item: Item) -> str:
    for pin in pinning.list(cids=[item.cid], statuses=LIVE_STATUSES):
        if normal_cid(pin.cid) == item.cid:
            return "present"
    status = pinning.add(item.cid, name=item.what)
    if normal_cid(status.cid) != item.cid:
        raise ProvenanceError(f"the pinning service answered for {status.cid}, not {item.cid}")
    if status.status not in LIVE_STATUSES:
        raise ProvenanceError(f"the pinning service says {status.status}")
    return "sent"


def publish(
    collection: Collection,
    *,
    kubo: KuboClient | None,
    pinning: PinningClient | None,
    progress: Callable[[str], None] | None = None,
) -> Outcome:
    note = progress or (lambda _text: None)
    store = collection.store
    items, problems = needed(collection, store)
    outcome = Outcome(items=items)
    for problem in problems:
        outcome.results.append(
            {"what": problem, "cid": "", "remote": "local", "status": "failed", "error": problem}
        )
    sides: list[tuple[str, Callable[[Item], str]]] = []
    if kubo is not None:
        sides.append(("kubo", lambda item: _to_kubo(kubo, store, item)))
    if pinning is not None:
        sides.append(("pinning", lambda item: _to_pinning(pinning, item)))
    for item in items:
        for remote, push in sides:
            note(f"{remote}: {item.what} {item.cid}")
            try:
                status, error = push(item), ""
            except ProvenanceError as exc:
                status, error = "failed", str(exc)
            outcome.results.append(
                {
                    "what": item.what,
                    "cid": item.cid,
                    "remote": remote,
                    "status": status,
                    "error": error,
                }
            )
    return outcome
