from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance.ipfs import Blockstore
from provenance.ipfs.server import GatewayServer, make_server


@pytest.fixture()
def store(tmp_path: Path) -> Blockstore:
    return Blockstore.open(tmp_path / "blocks", fsync=False)


@pytest.fixture()
def gateway(store: Blockstore) -> Iterator[tuple[str, GatewayServer]]:
    """``provenance ipfs serve`` over ``store`` on a free loopback port."""
    server = make_server(store, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host}:{port}", server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
