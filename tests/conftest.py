"""Shared fixtures: a real anvil on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
ANVIL = ROOT / "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
# Every test anvil runs with these: past its in-memory window anvil writes each block's state to
# ~/.foundry/anvil/tmp and never removes it (700 MB for 3,000 blocks; tens of GB over a run).
NO_STATE_FILES = ("--max-persisted-states", "0")
# The contracts are compiled for Prague; pin the devnet's rules so gas figures do not drift.
HARDFORK = "prague"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(proc: subprocess.Popen[bytes], url: str, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if httpx.post(url, json=body, timeout=1.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def anvil() -> Iterator[str]:
    """A fresh anvil (chain id 31337, the standard test mnemonic) on 127.0.0.1; yields its RPC URL.

    The port is picked free just before the start; if another process takes it first anvil exits,
    and a new port is tried. Anvil is stopped (by its pid) when the test ends.
    """
    if not ANVIL.exists():
        pytest.fail(f"{ANVIL} is missing: run scripts/setup")
    for _attempt in range(5):
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [
                str(ANVIL),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--hardfork",
                HARDFORK,
                *NO_STATE_FILES,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "NO_COLOR": "1"},
        )
        if _wait_ready(proc, url):
            try:
                yield url
            finally:
                _stop(proc)
            return
        _stop(proc)
    pytest.fail("anvil did not start on a free loopback port after 5 attempts")
