"""Fixtures for the seal tests: the JS peers (eciesjs, @metamask/eth-sig-util) and a real anvil."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ..conftest import NO_STATE_FILES

ROOT = Path(__file__).resolve().parents[2]
PEER_SCRIPT = ROOT / "tests" / "js" / "seal_peer.js"
ANVIL = ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
CAST = ROOT / "node_modules" / "@foundry-rs" / "cast-linux-amd64" / "bin" / "cast"

Peer = Callable[[list[dict[str, Any]]], list[Any]]


@pytest.fixture(scope="session")
def peer() -> Peer:
    """Run operations through the real JS implementations; private keys go over stdin."""
    node = shutil.which("node")
    assert node is not None, "node is required for the interop tests"
    assert (ROOT / "node_modules" / "eciesjs").is_dir(), "run scripts/setup first"

    def run(ops: list[dict[str, Any]]) -> list[Any]:
        result = subprocess.run(
            [node, str(PEER_SCRIPT)],
            input=json.dumps(ops),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        answers = json.loads(result.stdout)
        errors = [a["error"] for a in answers if "error" in a]
        assert not errors, errors
        return [a["ok"] for a in answers]

    return run


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def anvil_url() -> Iterator[str]:
    """A fresh anvil on a free loopback port, stopped (by its pid) after the module."""
    assert ANVIL.is_file(), "run scripts/setup first (anvil comes from @foundry-rs/anvil)"
    port = _free_port()
    process = subprocess.Popen(
        [str(ANVIL), "--host", "127.0.0.1", "--port", str(port), *NO_STATE_FILES],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("anvil did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
