"""Fixtures for the chain tests: ganache 7 (a Shanghai node, the npm package pinned in package.json),
started by the test on a free loopback port with the dev accounts funded."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from ..conftest import ANVIL, HARDFORK, NO_STATE_FILES, ROOT, _free_port, _stop, _wait_ready

GANACHE = ROOT / "node_modules/ganache/dist/node/cli.js"
GANACHE_CHAIN_ID = 1337
ACCOUNTS = 3  # the artist, donor A, donor B: dev accounts 0-2


@pytest.fixture(scope="module")
def ganache() -> Iterator[str]:
    """ganache 7.9 (hardfork Shanghai, its newest), chain id 1337, dev accounts 0-2 funded with
    1000 ether each; yields its RPC URL and stops it (by its pid) at the end."""
    if not GANACHE.exists():
        pytest.fail(f"{GANACHE} is missing: run scripts/setup")
    from provenance.chain.accounts import dev_accounts

    funded = [f"0x{bytes(a.key).hex()},{1000 * 10**18}" for a in dev_accounts(ACCOUNTS)]
    for _attempt in range(5):
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        args = ["node", str(GANACHE), "--host", "127.0.0.1", "--port", str(port)]
        args += ["--chain.chainId", str(GANACHE_CHAIN_ID), "--logging.quiet"]
        for account in funded:
            args += ["--wallet.accounts", account]
        proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ}
        )
        if _wait_ready(proc, url, timeout=60.0):
            try:
                yield url
            finally:
                _stop(proc)
            return
        _stop(proc)
    pytest.fail("ganache did not start on a free loopback port after 5 attempts")


def start_anvil(chain_id: int) -> tuple[subprocess.Popen[bytes], str]:
    """An anvil (Prague rules, automine) with ``chain_id`` on a free port: (process, RPC URL).
    The caller stops it with ``_stop``."""
    for _attempt in range(5):
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        args = [str(ANVIL), "--host", "127.0.0.1", "--port", str(port), "--hardfork", HARDFORK,
                *NO_STATE_FILES]  # fmt: skip
        proc = subprocess.Popen(
            [*args, "--chain-id", str(chain_id)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "NO_COLOR": "1"},
        )
        if _wait_ready(proc, url):
            return proc, url
        _stop(proc)
    pytest.fail(f"anvil (chain {chain_id}) did not start on a free loopback port")
