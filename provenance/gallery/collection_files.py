"""The machine-readable files every gallery publishes beside its pages, served and static alike:
``provenance.json`` (the collection descriptor, content/descriptor.py) and ``copies.json`` (the
copy index, content/copy_index.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from provenance.content.copy_index import build_copy_index
from provenance.content.descriptor import COPIES_FILE, DESCRIPTOR_FILE, build_descriptor

if TYPE_CHECKING:
    from provenance.gallery.data import GalleryData
    from provenance.gallery.layout import PageSettings

__all__ = ["collection_files", "published_anchors"]


def collection_files(data: GalleryData, gateway: str, settings: PageSettings) -> dict[str, bytes]:
    """The descriptor and the copy index, by file name. A served gallery's gateway and RPC proxy
    are on its own origin ("" and "/rpc"): relative URLs, resolved against the descriptor's."""
    entries = [w.copy for w in data.works if w.copy is not None]
    index = build_copy_index(data.chain_id, data.contract, entries)
    descriptor = build_descriptor(
        chain_id=data.chain_id,
        contract=data.contract,
        rpc_url=settings.rpc_url,
        gateways=[gateway.rstrip("/") + "/" if gateway else "/"],
        gallery_url="./",
        trust_anchors=list(settings.trust_anchors),
        from_block=data.from_block,
    )
    return {DESCRIPTOR_FILE: descriptor, COPIES_FILE: index.encode()}


def published_anchors() -> tuple[str, ...]:
    """The artist's certificate chain (public: end-entity first, root last) when this home holds
    an identity: verifiers elsewhere trust the root and compare the certificate's sha256."""
    from provenance.state.home import home

    chain = home().identity / "certificate-chain.pem"
    try:
        return (chain.read_text(encoding="ascii"),) if chain.is_file() else ()
    except (OSError, UnicodeDecodeError):
        return ()
