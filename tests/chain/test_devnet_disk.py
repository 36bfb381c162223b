"""The devnet leaves nothing behind outside PROVENANCE_HOME: anvil, past its in-memory window,
used to write every block's state to ``~/.foundry/anvil/tmp`` and never remove it (700 MB for
3,000 blocks; 72 GB had piled up on the machine the tests run on)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from provenance.chain.devnet import Devnet
from provenance.chain.rpc import RpcClient


def test_a_long_devnet_writes_no_state_files_under_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_home = tmp_path / "user"
    user_home.mkdir()
    monkeypatch.setenv("HOME", str(user_home))  # where anvil puts ~/.foundry/anvil/tmp
    devnet = Devnet(tmp_path / "provenance" / "devnet")
    info = devnet.up()
    try:
        with RpcClient(f"http://127.0.0.1:{info.port}") as rpc:
            rpc.request("anvil_mine", ["0x200"])  # 512 blocks: past anvil's in-memory states
            rpc.request("evm_mine", [])
            assert int(rpc.request("eth_blockNumber"), 16) >= 513
    finally:
        devnet.down()
    written = [str(p.relative_to(user_home)) for p in user_home.rglob("*") if p.is_file()]
    assert written == [], written[:5]
    assert os.listdir(tmp_path / "provenance" / "devnet")  # its own state stays in the home
