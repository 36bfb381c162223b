"""Independent IPFS servers on loopback, for the remote clients' tests.

- ``jsipfs``: js-ipfs 0.66.1 (npm ``ipfs``), a real implementation of Kubo's ``/api/v0`` RPC and a
  read-only HTTP gateway, run as ``jsipfs daemon --offline`` in a fresh repo with free ports.
- ``pinning_service``: ``mock-ipfs-pinning-service`` 0.4.2, the Pinning Service API's reference
  mock, started by servers/pinning-service.cjs on loopback. It derives a pin's status from its name's prefix (``pinned-...``,
  ``failed-...``; anything else stays ``queued``).

Both are installed by scripts/setup into tests/remote/servers (npm, ``--ignore-scripts``); Node 20
needs the ``Promise.withResolvers`` polyfill beside them. Each server is stopped by its pid.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

SERVERS = Path(__file__).resolve().parent / "servers"
BIN = SERVERS / "node_modules/.bin"
POLYFILL = SERVERS / "with-resolvers.cjs"


def _require(tool: str) -> Path:
    path = BIN / tool
    if shutil.which("node") is None or not path.exists():
        pytest.skip(f"needs node and {tool} (scripts/setup installs tests/remote/servers)")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _node_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["NODE_OPTIONS"] = f"{env.get('NODE_OPTIONS', '')} --require {POLYFILL}".strip()
    env.update(extra)
    return env


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait(
    proc: subprocess.Popen[bytes], ready: Callable[[], bool], log: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if ready():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    _stop(proc)
    raise RuntimeError(f"server not ready after {timeout} s:\n{log.read_text()[-3000:]}")


@dataclass(frozen=True)
class JsIpfs:
    api: str  # the RPC base URL (KuboClient's url)
    gateway: str  # the read-only gateway's base URL
    version: str


@pytest.fixture(scope="session")
def jsipfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JsIpfs]:
    tool = _require("jsipfs")
    repo = tmp_path_factory.mktemp("jsipfs") / "repo"
    env = _node_env(IPFS_PATH=str(repo))
    subprocess.run(
        [str(tool), "init", "--empty-repo"], env=env, check=True, capture_output=True, timeout=120
    )
    config_path = repo / "config"
    config = json.loads(config_path.read_text())
    api, gateway, grpc = _free_port(), _free_port(), _free_port()
    config["Addresses"] = {
        "Swarm": [],
        "Announce": [],
        "NoAnnounce": [],
        "API": f"/ip4/127.0.0.1/tcp/{api}",
        "Gateway": f"/ip4/127.0.0.1/tcp/{gateway}",
        "RPC": f"/ip4/127.0.0.1/tcp/{grpc}",
        "Delegates": [],
    }
    config["Bootstrap"] = []
    config["Discovery"] = {"MDNS": {"Enabled": False}, "webRTCStar": {"Enabled": False}}
    config_path.write_text(json.dumps(config, indent=2))
    log = repo.parent / "daemon.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(tool), "daemon", "--offline"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        api_url = f"http://127.0.0.1:{api}"
        _wait(proc, lambda: "Daemon is ready" in log.read_text(), log)
        version = httpx.post(f"{api_url}/api/v0/version", timeout=10).json()["Version"]
        yield JsIpfs(api_url, f"http://127.0.0.1:{gateway}", version)
    finally:
        _stop(proc)


@dataclass(frozen=True)
class PinningService:
    endpoint: str
    token: str


@pytest.fixture(scope="session")
def pinning_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PinningService]:
    _require("mock-ipfs-pinning-service")
    port = _free_port()
    token = "test-token-" + os.urandom(8).hex()
    log = tmp_path_factory.mktemp("pinning") / "mock.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["node", str(SERVERS / "pinning-service.cjs"), str(port), token],
            env=_node_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait(
            proc,
            lambda: (
                httpx.get(
                    f"{endpoint}/pins", headers={"Authorization": f"Bearer {token}"}, timeout=5
                ).status_code
                == 200
            ),
            log,
        )
        yield PinningService(endpoint, token)
    finally:
        _stop(proc)
