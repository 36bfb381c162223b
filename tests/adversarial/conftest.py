from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance.ipfs import Blockstore
from provenance.ipfs.server import GatewayServer, make_server

from ..helpers import serving


@pytest.fixture()
def store(tmp_path: Path) -> Blockstore:
    return Blockstore.open(tmp_path / "blocks", fsync=False)


@pytest.fixture()
def gateway(store: Blockstore) -> Iterator[tuple[str, GatewayServer]]:
    """``provenance ipfs serve`` over ``store`` on a free loopback port."""
    server = make_server(store, port=0)
    with serving(server) as url:
        yield url, server
