"""Content addressing without a daemon: a Kubo-identical UnixFS importer, an embedded verified
blockstore, CARv1, a trustless gateway client and server, Kubo RPC and Pinning Service clients.

Heavy modules (httpx clients, the HTTP server) load only when their names are first used, so
``provenance ipfs add --only-hash`` starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from provenance.ipfs.cid import CID, InvalidCID, raw_cid_for_sha256
from provenance.ipfs.importer import ImportResult, add_bytes, add_file, add_path, add_stream
from provenance.ipfs.params import DEFAULT_PROFILE, PROFILES, ImportParams, resolve_params

if TYPE_CHECKING:
    from provenance.ipfs.blockstore import BlockNotFound, Blockstore
    from provenance.ipfs.car import export_car, import_car
    from provenance.ipfs.reader import DEFAULT_MAX_CAT_BYTES, ContentSource, ContentTooLarge
    from provenance.ipfs.remote.gateway import GatewayFetcher
    from provenance.ipfs.remote.kubo import KuboClient
    from provenance.ipfs.remote.pinning import PinningClient, PinStatus

__all__ = [
    "CID",
    "DEFAULT_MAX_CAT_BYTES",
    "DEFAULT_PROFILE",
    "PROFILES",
    "BlockNotFound",
    "Blockstore",
    "ContentSource",
    "ContentTooLarge",
    "GatewayFetcher",
    "ImportParams",
    "ImportResult",
    "InvalidCID",
    "KuboClient",
    "PinStatus",
    "PinningClient",
    "add_bytes",
    "add_file",
    "add_path",
    "add_stream",
    "export_car",
    "import_car",
    "raw_cid_for_sha256",
    "resolve_params",
]

_LAZY = {
    "BlockNotFound": "provenance.ipfs.blockstore",
    "Blockstore": "provenance.ipfs.blockstore",
    "export_car": "provenance.ipfs.car",
    "import_car": "provenance.ipfs.car",
    "DEFAULT_MAX_CAT_BYTES": "provenance.ipfs.reader",
    "ContentSource": "provenance.ipfs.reader",
    "ContentTooLarge": "provenance.ipfs.reader",
    "GatewayFetcher": "provenance.ipfs.remote.gateway",
    "KuboClient": "provenance.ipfs.remote.kubo",
    "PinningClient": "provenance.ipfs.remote.pinning",
    "PinStatus": "provenance.ipfs.remote.pinning",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'provenance.ipfs' has no attribute {name!r}")
