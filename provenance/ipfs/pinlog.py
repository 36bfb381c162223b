"""The blockstore's recursive pin set, kept as an append-only log (``pins.log``).

One line per change: ``+<cid>`` pins, ``-<cid>`` unpins. A pin appends one line and fsyncs it, so
pinning the 10,000th work costs what pinning the first did (``pins.json`` was rewritten whole on
every pin: quadratic over a batch). A crash mid-append leaves a torn last line without its newline:
it is ignored when read and cut off before the next append, so the log never holds half a CID.
Within one process the set is kept in memory and only the bytes appended since (by this process or
another) are read. When unpins leave the log mostly redundant it is rewritten, atomically.

A ``pins.json`` left by an older version is migrated once: its CIDs become a log written
atomically, then the JSON file is removed (a crash in between leaves both; the log wins).

Callers hold the blockstore's lock around every change (``Blockstore.locked``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Final

from provenance.errors import IPFSError
from provenance.state.home import atomic_write

__all__ = ["PinLog"]

_TAIL: Final = 4096  # a torn line is shorter than this (a CID is < 100 characters)


class PinLog:
    def __init__(self, folder: Path, *, fsync: bool = True) -> None:
        self.path = folder / "pins.log"
        self._legacy = folder / "pins.json"
        self.fsync = fsync  # off while the blockstore syncs a group of writes at once
        self._pins: set[str] = set()
        self._lines = 0
        self._inode: int | None = None
        self._offset = 0
        self._migrated = False  # checked once per process (``_migrate``)

    # -- reading ----------------------------------------------------------------------------------
    def _read_legacy(self) -> set[str]:
        try:
            raw = json.loads(self._legacy.read_text("utf-8"))
        except FileNotFoundError:
            return set()
        except (OSError, ValueError) as exc:
            raise IPFSError(f"unreadable pin set {self._legacy}: {exc}") from exc
        if not isinstance(raw, dict) or not isinstance(raw.get("recursive"), list):
            raise IPFSError(f"malformed pin set {self._legacy}")
        return {str(item) for item in raw["recursive"]}

    def _migrate(self) -> None:
        """Before the first change: the legacy JSON becomes the log (reads never write)."""
        if self.path.exists():
            self._legacy.unlink(missing_ok=True)  # left by a migration that crashed after the log
            return
        cids = self._read_legacy()
        if cids:
            atomic_write(self.path, "".join(f"+{c}\n" for c in sorted(cids)).encode("ascii"))
        self._legacy.unlink(missing_ok=True)

    def pins(self) -> set[str]:
        """The pinned root CIDs, reading only what was appended since the last call."""
        return set(self._refresh())

    def _refresh(self) -> set[str]:
        """The pin set itself, not a copy (a copy per pin is quadratic over a batch)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            self._pins, self._lines, self._inode, self._offset = set(), 0, None, 0
            return self._read_legacy()
        try:
            stat = os.fstat(fd)
            if stat.st_ino != self._inode:  # first read, or the log was rewritten
                self._pins, self._lines, self._inode, self._offset = set(), 0, stat.st_ino, 0
            data = os.pread(fd, max(0, stat.st_size - self._offset), self._offset)
        finally:
            os.close(fd)
        complete = data[: data.rfind(b"\n") + 1]  # a torn last line is not a change yet
        for number, line in enumerate(complete.splitlines(), start=self._lines + 1):
            text = line.decode("ascii", "replace")
            if len(text) < 2 or text[0] not in "+-" or not text[1:].isalnum():
                raise IPFSError(f"malformed pin log {self.path} at line {number}")
            (self._pins.add if text[0] == "+" else self._pins.discard)(text[1:])
            self._lines = number
        self._offset += len(complete)
        return self._pins

    # -- writing ----------------------------------------------------------------------------------
    def _append(self, line: str) -> int:
        """Append ``line``; the offset it was written at."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            size = os.lseek(fd, 0, os.SEEK_END)
            if size:
                start = max(0, size - _TAIL)
                tail = os.pread(fd, size - start, start)
                if not tail.endswith(b"\n"):  # a crashed append: drop its torn line
                    os.ftruncate(fd, start + tail.rfind(b"\n") + 1)
            start = os.lseek(fd, 0, os.SEEK_END)
            os.write(fd, line.encode("ascii"))
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        return start

    def _migrate_once(self) -> None:
        if not self._migrated:
            self._migrate()
            self._migrated = True

    def add(self, cid: str) -> None:
        self._migrate_once()
        if cid not in self._refresh():
            line = f"+{cid}\n"
            if self._append(line) == self._offset:  # right after what was read: no re-read
                self._pins.add(cid)
                self._lines += 1
                self._offset += len(line)
            else:
                self._refresh()

    def remove(self, cid: str) -> bool:
        """Unpin; False when ``cid`` was not pinned."""
        self._migrate_once()
        current = self.pins()
        if cid not in current:
            return False
        current.discard(cid)
        if self._lines + 1 > 2 * len(current) + 64:  # mostly redundant: rewrite it whole
            atomic_write(self.path, "".join(f"+{c}\n" for c in sorted(current)).encode("ascii"))
        else:
            self._append(f"-{cid}\n")
        self.pins()
        return True
