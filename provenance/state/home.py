"""Where local state lives, and how it is written.

``PROVENANCE_HOME`` (default: the platform's user data dir) is laid out by :class:`Home`, the one
place that names its paths. Every write that matters goes through :func:`atomic_write` so a crash
leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from provenance.errors import ConfigError

__all__ = ["Home", "atomic_write", "file_lock", "home", "home_dir", "syncfs"]


def home_dir() -> Path:
    """The state folder, created on first use."""
    configured = os.environ.get("PROVENANCE_HOME")
    path = Path(configured) if configured else Path(platformdirs.user_data_dir("provenance"))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError(f"the state folder {path} (PROVENANCE_HOME) is not a folder") from None
    except OSError as exc:
        raise ConfigError(
            f"cannot create the state folder {path} (PROVENANCE_HOME): {exc.strerror}"
        ) from None
    if not path.is_dir():
        raise ConfigError(f"the state folder {path} (PROVENANCE_HOME) is not a folder")
    return path


@dataclass(frozen=True)
class Home:
    """Every path under ``PROVENANCE_HOME``, named once."""

    root: Path

    @property
    def devnet(self) -> Path:
        """The local anvil's state, log and lock (``chain up``)."""
        return self.root / "devnet"

    @property
    def deploy_lock(self) -> Path:
        """Held while the devnet's collection is deployed on first use."""
        return self.devnet / "deploy.lock"

    @property
    def blocks(self) -> Path:
        """The embedded IPFS blockstore."""
        return self.root / "ipfs" / "blocks"

    @property
    def deployments(self) -> Path:
        """Collections deployed from this machine, by chain id."""
        return self.root / "deployments.json"

    @property
    def journal(self) -> Path:
        """The SQLite journal of mints and of every transaction sent."""
        return self.root / "journal.sqlite"

    @property
    def send_lock(self) -> Path:
        """One signing process at a time per state folder (see ``chain.outbox``)."""
        return self.root / "mint.lock"

    @property
    def offers(self) -> Path:
        """Offers this home signed (``offer make``), one JSON file each; the gallery lists them."""
        return self.root / "offers"

    @property
    def copies_cache(self) -> Path:
        """Copy indexes of the collections this home checked (``verify``), one file each."""
        return self.root / "cache" / "copies"

    @property
    def identity(self) -> Path:
        """The artist's Content Credentials identity: certificate chain, trust anchor, keys
        encrypted at rest (``identity init``/``import``; see ``provenance.identity.certificates``)."""
        return self.root / "identity"


def home() -> Home:
    """The current state folder's layout (``PROVENANCE_HOME`` is read on each call)."""
    return Home(home_dir())


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644, sync: bool = True) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync, rename.
    ``sync=False``: no fsync (still all or nothing for a reader); for many files made durable
    together by the caller (``syncfs``), as ``gallery build`` writes thousands of pages."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if not sync:
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock (flock) between processes; blocks until it is free.

    Released by the kernel if the holder dies, so a crashed command never leaves it stuck.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def syncfs(fd: int) -> bool:
    """``syncfs(2)``: flush the filesystem holding ``fd`` (Linux), not every mounted one as
    ``os.sync`` does; False where there is none, or it failed (the caller falls back)."""
    import ctypes  # here: only a batch or a build syncs this way; a mint's start-up stays small

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.syncfs(fd)) == 0
    except (AttributeError, OSError):
        return False
