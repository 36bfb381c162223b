"""Fixtures for the donation tests: the workflow fixtures (a private home whose devnet is a real
anvil) and a second anvil with another chain id, for replay tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator

import pytest

from ..conftest import ANVIL, HARDFORK, NO_STATE_FILES, _wait_ready
from ..workflows.conftest import home

__all__ = ["home", "other_chain"]

OTHER_CHAIN_ID = 4242


@pytest.fixture(scope="module")
def other_chain() -> Iterator[str]:
    """A second anvil, chain id 4242, same dev accounts; yields its RPC URL."""
    for _attempt in range(5):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
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
                "--chain-id",
                str(OTHER_CHAIN_ID),
                *NO_STATE_FILES,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "NO_COLOR": "1"},
        )
        try:
            if _wait_ready(proc, url):
                yield url
                return
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=10)
    pytest.fail("the second anvil did not start")
