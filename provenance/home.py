"""Where local state lives, and how it is written.

``PROVENANCE_HOME`` (default: the platform's user data dir) holds ``devnet/``, ``ipfs/blocks/``,
``deployments.json`` and ``journal.sqlite``. Every write that matters goes through
:func:`atomic_write` so a crash leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import platformdirs

__all__ = ["atomic_write", "file_lock", "home_dir"]


def home_dir() -> Path:
    """The state folder, created on first use."""
    configured = os.environ.get("PROVENANCE_HOME")
    path = Path(configured) if configured else Path(platformdirs.user_data_dir("provenance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
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
