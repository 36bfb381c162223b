"""The local devnet: an anvil process on loopback with persistent state under PROVENANCE_HOME.

``devnet/state.json`` is anvil's own state file (``--state``, dumped on SIGTERM and every second
with ``--state-interval 1``, so it also survives SIGKILL); ``devnet/devnet.json`` records the pid
and port. A pid whose process is gone, or is no longer anvil, is stale and is cleaned up.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from provenance.errors import ChainError, ConfigError
from provenance.state.home import atomic_write, file_lock, home
from provenance.untrusted import plain_text

__all__ = ["DEVNET_CHAIN_ID", "Devnet", "DevnetInfo", "find_anvil"]

DEVNET_CHAIN_ID = 31337
_ANVIL_REL = Path("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")


def find_anvil() -> Path:
    """``PROVENANCE_ANVIL``, else the pinned npm binary in the checkout, else ``anvil`` on PATH."""
    configured = os.environ.get("PROVENANCE_ANVIL")
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / _ANVIL_REL
        if candidate.is_file():
            return candidate
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise ConfigError("anvil not found: run scripts/setup, or set PROVENANCE_ANVIL to its path")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As anvil binds (SO_REUSEADDR): connections of the last run left in TIME_WAIT do not
        # keep the port.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _is_anvil(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"anvil" in cmdline.split(b"\0")[0]


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class DevnetInfo:
    pid: int
    port: int
    chain_id: int

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Devnet:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or home().devnet
        self.state_file = self.root / "state.json"
        self.info_file = self.root / "devnet.json"
        self.log_file = self.root / "anvil.log"
        # The port of the last start, kept across `chain down`: `chain up` takes it again when it
        # is free, so a running gallery (or a wallet) pointed at the devnet keeps working.
        self.port_file = self.root / "port"

    def _port(self) -> int:
        try:
            last = int(self.port_file.read_text())
        except (OSError, ValueError):
            last = 0
        if 1024 <= last <= 65535 and _port_is_free(last):
            return last
        return _free_port()

    def info(self) -> DevnetInfo | None:
        """The running devnet, or None. Removes a stale record as a side effect."""
        try:
            info = DevnetInfo(**json.loads(self.info_file.read_text()))
        except FileNotFoundError:
            return None
        except (ValueError, TypeError):
            self.info_file.unlink(missing_ok=True)
            return None
        if _is_anvil(info.pid) and _port_answers(info.port):
            return info
        self.info_file.unlink(missing_ok=True)
        return None

    def up(self, *, timeout: float = 15.0) -> DevnetInfo:
        """Start anvil unless it already runs; return where it listens.

        Two commands starting the devnet at once must not start two anvils on one state file:
        the check and the start happen under ``devnet/lock``.
        """
        running = self.info()
        if running:
            return running
        with file_lock(self.root / "lock"):
            return self.info() or self._start(timeout)

    def _start(self, timeout: float) -> DevnetInfo:
        self.root.mkdir(parents=True, exist_ok=True)
        anvil = find_anvil()
        port = self._port()
        args = [
            str(anvil),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--chain-id",
            str(DEVNET_CHAIN_ID),
            "--state",
            str(self.state_file),
            "--state-interval",
            "1",
            # Past its in-memory window anvil writes every block's state to a folder under
            # ~/.foundry/anvil/tmp and never removes it (700 MB for 3,000 blocks, measured; tens
            # of GB over a test run). The toolkit reads the chain at "latest" only.
            "--max-persisted-states",
            "0",
        ]
        with open(self.log_file, "ab") as log:
            log_start = log.tell()  # what this start writes begins here
            process = subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # outlives this command, like a daemon
            )
        deadline = time.monotonic() + timeout
        while not _port_answers(port):
            if process.poll() is not None:
                raise self._start_failure(process.returncode, log_start)
            if time.monotonic() > deadline:
                process.terminate()
                raise ChainError(f"anvil did not listen on port {port} within {timeout:.0f} s")
            time.sleep(0.05)
        info = DevnetInfo(pid=process.pid, port=port, chain_id=DEVNET_CHAIN_ID)
        atomic_write(self.info_file, json.dumps(asdict(info)).encode())
        atomic_write(self.port_file, str(port).encode())
        return info

    def _start_failure(self, code: int | None, log_start: int) -> ChainError | ConfigError:
        """Why anvil exited at start, from what it wrote to the log this time: its ``error:``
        line (clap prints a usage hint after it), and for a damaged state file what to do."""
        with open(self.log_file, "rb") as log:
            log.seek(log_start)
            written = log.read(64 * 1024).decode(errors="replace")
        lines = [plain_text(line).strip() for line in written.splitlines() if line.strip()]
        errors = [line for line in lines if line.lower().startswith("error")]
        reason = (errors or lines or ["no output"])[0]
        if str(self.state_file) in reason or "--state" in reason:
            return ConfigError(
                f"the devnet's state file {self.state_file} is damaged (anvil: {reason[:300]});"
                " restore it from a backup, or move it aside to start an empty devnet (its"
                f" tokens are then gone); log: {self.log_file}"
            )
        return ChainError(
            f"anvil exited at start (code {code}): {reason[:300]} (log: {self.log_file})"
        )

    def down(self, *, timeout: float = 10.0) -> bool:
        """Stop anvil (SIGTERM: it writes its state); True when one was running."""
        info = self.info()
        if info is None:
            return False
        os.kill(info.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _is_anvil(info.pid) and time.monotonic() < deadline:
            try:  # reap it when it is our child (tests); harmless otherwise
                os.waitpid(info.pid, os.WNOHANG)
            except ChildProcessError:
                pass
            time.sleep(0.05)
        if _is_anvil(info.pid):
            os.kill(info.pid, signal.SIGKILL)
        self.info_file.unlink(missing_ok=True)
        return True
