"""The embedded blockstore: one file per block under ``PROVENANCE_HOME/ipfs/blocks``.

Blocks are keyed by multihash, as in Kubo's flatfs (upper-case base32 name, sharded by the
next-to-last two characters), so a CIDv0 and a CIDv1 of the same dag-pb node share a file. Writes
are atomic (temp file, fsync, rename); every read is hashed and compared with the CID asked for,
so a corrupted block raises ``IntegrityError`` naming that CID and is never returned. A recursive
pin set (``pins.log``, an append-only log: :mod:`provenance.ipfs.pinlog`) protects DAGs from ``gc``.

Grouped durability (:meth:`Blockstore.synced_together`, what ``mint-batch`` stores a window of
works in): an fsync costs 0.5-4 ms on this kind of machine, and a work is two blocks and two pins,
so inside the block nothing is fsynced and one ``syncfs`` of the store's filesystem at its end
makes every block, rename and pin durable at once (3-7 ms for 128 files against 0.4-0.5 s of
fsyncs). A new block is then written straight under its name, without a temp file and rename
(which made it no more durable before that sync). A crash before the sync can leave a block file
torn under its final name; so a block found already present is hashed once per process before it
is trusted, and a torn one is written again, the usual way (nothing was signed for it: callers
sign only after the sync).
:meth:`Blockstore.written_together` is the same with the sync run on a thread, so that the caller
goes on with work that does not need it (``mint-batch`` confirms and signs meanwhile) and waits
for it only where it must: before journaling a transaction that names the blocks.
"""

from __future__ import annotations

import base64
import fcntl
import functools
import hashlib
import os
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.errors import BlockNotFound, IntegrityError, IPFSError
from provenance.ipfs.cid import CID, SHA2_256
from provenance.ipfs.params import ImportParams
from provenance.ipfs.pinlog import PinLog
from provenance.ipfs.reader import as_cid, cat_bytes, iter_file, walk_dag
from provenance.state.home import home, syncfs

if TYPE_CHECKING:  # imported where a group is synced on a thread: not on a mint's start-up path
    from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["BlockNotFound", "Blockstore", "PendingSync"]

Buffer = bytes | bytearray | memoryview


def _key(cid: CID) -> str:
    return base64.b32encode(cid.multihash).decode("ascii").rstrip("=")


class PendingSync:
    """A group of writes being made durable (:meth:`Blockstore.written_together`)."""

    def __init__(self) -> None:
        self._sync: Callable[[], None] | None = None
        self._future: Future[None] | None = None

    def begin(self, sync: Callable[[], None], *, on_thread: bool) -> None:
        """Sync the group: on the syncing thread, or (``on_thread=False``) in ``wait``."""
        if on_thread:
            self._future = _syncer().submit(sync)
        else:
            self._sync = sync

    def wait(self) -> None:
        """Return once every write of the group is durable; raise what the sync raised."""
        sync, future, self._sync, self._future = self._sync, self._future, None, None
        if future is not None:
            future.result()
        elif sync is not None:
            sync()


@functools.cache
def _syncer() -> ThreadPoolExecutor:
    """The thread that syncs groups of writes (one at a time: a sync covers the filesystem)."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="blockstore sync")


class Blockstore:
    """Blocks on disk, verified on every read. Also a ``ContentSource`` (``cat``)."""

    def __init__(self, root: Path, *, fsync: bool = True) -> None:
        self.root = root
        self._fsync = fsync
        self._thread_lock = threading.RLock()
        self._depth = 0
        self.root.mkdir(parents=True, exist_ok=True)
        self._pin_log = PinLog(self.root, fsync=fsync)
        self._deferred: list[Path] | None = None  # files written unsynced (synced_together)
        self._checked: set[bytes] = set()  # present blocks hashed by this process: intact
        self._shards: set[Path] = set()  # shard folders known to exist (at most 1,024)
        self._lock_fd: int | None = None  # ``locked``'s file, opened on first use

    @contextmanager
    def synced_together(self) -> Iterator[None]:
        """Make every block and pin written inside durable at once, when it ends (see the module
        docstring); also when it ends by an exception."""
        durable: PendingSync | None = None
        try:
            with self.written_together(on_thread=False) as durable:
                yield
        finally:
            if durable is not None:
                durable.wait()

    @contextmanager
    def written_together(self, *, on_thread: bool = True) -> Iterator[PendingSync]:
        """Like :meth:`synced_together`, but the sync of what was written inside starts on a
        thread when the block ends: durable once the yielded ``PendingSync.wait()`` returns
        (which raises what the sync raised). Nested in another group: part of that one's sync."""
        if self._deferred is not None or not self._fsync:  # nested, or not syncing at all
            yield PendingSync()
            return
        self._deferred = []
        self._pin_log.fsync = False
        pending = PendingSync()
        try:
            yield pending
        finally:
            written, self._deferred = self._deferred, None
            self._pin_log.fsync = True
            if written:
                paths = [*written, self._pin_log.path]
                pending.begin(lambda: self._sync(paths), on_thread=on_thread)

    def _sync(self, paths: list[Path]) -> None:
        fd = os.open(self.root, os.O_RDONLY)
        try:
            if syncfs(fd):
                return
        finally:
            os.close(fd)
        for path in [*paths, *{path.parent for path in paths}]:  # no syncfs: one by one
            try:
                handle = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                os.fsync(handle)
            finally:
                os.close(handle)

    @classmethod
    def open(cls, root: Path | None = None, *, fsync: bool = True) -> Blockstore:
        """The store at ``root`` (default: ``Home.blocks``), created on first use."""
        return cls(root if root is not None else home().blocks, fsync=fsync)

    # -- blocks -------------------------------------------------------------------------------
    def _path(self, cid: CID) -> Path:
        key = _key(cid)
        return self.root / key[-3:-1] / f"{key}.data"

    def has(self, cid: str | CID) -> bool:
        return self._path(as_cid(cid)).is_file()

    def put_block(self, cid: str | CID, data: bytes) -> CID:
        """Store ``data`` under ``cid`` after checking that it hashes to it."""
        parsed = as_cid(cid)
        parsed.verify(data)
        self.put_parts(parsed, [data])
        return parsed

    def put_parts(self, cid: CID, parts: Sequence[Buffer]) -> None:
        """Store a block given as consecutive parts (the importer's zero-copy path). The caller
        has hashed the parts itself; an existing block is left alone."""
        path = self._path(cid)
        present = path.exists()
        if present and self._intact(cid, path):
            return
        if path.parent not in self._shards:
            path.parent.mkdir(exist_ok=True)
            self._shards.add(path.parent)
        if self._deferred is not None and not present and self._put_in_place(path, parts):
            self._deferred.append(path)
            return
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".put-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb", buffering=0) as handle:
                for part in parts:
                    view = memoryview(part)
                    while view:
                        view = view[handle.write(view) or 0 :]
                if self._fsync and self._deferred is None:
                    os.fsync(handle.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        if self._deferred is not None:
            self._deferred.append(path)

    def _put_in_place(self, path: Path, parts: Sequence[Buffer]) -> bool:
        """Write a new block straight under its name, inside a group (no temp file and rename:
        the group's sync makes it durable, and a block a crash left torn is hashed and written
        again by the next run, as after a rename that reached the disk before its data). False
        when the file appeared meanwhile (another writer): then written the usual way."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o444)
        except FileExistsError:
            return False
        try:
            for part in parts:
                view = memoryview(part)
                while view:
                    view = view[os.write(fd, view) :]
        except BaseException:
            path.unlink(missing_ok=True)  # never leave a part of a block under its name
            raise
        finally:
            os.close(fd)
        return True

    def _intact(self, cid: CID, path: Path) -> bool:
        """Whether a block already on disk holds its bytes (hashed once per process): a write
        that a crash interrupted before its sync may have left it torn."""
        if cid.multihash in self._checked:
            return True
        try:
            data = path.read_bytes()
        except OSError:
            return False
        if cid.hash_code != SHA2_256 or hashlib.sha256(data).digest() != cid.digest:
            return False
        self._checked.add(cid.multihash)
        return True

    def get_block(self, cid: str | CID) -> bytes:
        """The block's bytes, verified against ``cid``."""
        parsed = as_cid(cid)
        try:
            data = self._path(parsed).read_bytes()
        except FileNotFoundError as exc:
            raise BlockNotFound(
                f"block not found in the local store: {parsed}", cid=str(parsed)
            ) from exc
        if parsed.hash_code != SHA2_256:
            raise IPFSError(f"unsupported multihash in {parsed}", cid=str(parsed))
        if hashlib.sha256(data).digest() != parsed.digest:
            raise IntegrityError(
                f"corrupted block in the local store: {parsed} ({self._path(parsed)})",
                cid=str(parsed),
            )
        return data

    def delete_block(self, cid: str | CID) -> None:
        self._path(as_cid(cid)).unlink(missing_ok=True)

    def iter_multihashes(self) -> Iterator[bytes]:
        for shard in sorted(self.root.iterdir()):
            if not shard.is_dir():
                continue
            for path in sorted(shard.glob("*.data")):
                stem = path.name[: -len(".data")]
                try:
                    yield base64.b32decode(stem + "=" * (-len(stem) % 8))
                except ValueError:
                    continue

    # -- files --------------------------------------------------------------------------------
    def iter_cat(self, cid: str | CID, *, max_size: int | None = None) -> Iterator[bytes]:
        """Stream a UnixFS file block by block (each verified), at most ``max_size`` bytes."""
        return iter_file(self, cid, max_size=max_size)

    def cat(self, cid: str | CID, *, max_size: int | None = None) -> bytes:
        return cat_bytes(self, cid, max_size=max_size)

    # -- pins ---------------------------------------------------------------------------------
    @contextmanager
    def locked(self) -> Iterator[None]:
        """Exclude ``gc`` (and other pin-set changes), also across processes, for the block.

        Reentrant within one thread, so a caller can hold it across ``add_bytes`` and ``pin``:
        then no gc can remove the fresh, still unpinned blocks in between.
        """
        with self._thread_lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            # flock conflicts between separate opens even within one process, so two
            # Blockstore objects on the same folder exclude each other too. The file stays open
            # (a batch takes the lock twice a work).
            if self._lock_fd is None:
                self._lock_fd = os.open(
                    self.root / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644
                )
                weakref.finalize(self, os.close, self._lock_fd)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self._depth = 1
            try:
                yield
            finally:
                self._depth = 0
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def pins(self) -> list[str]:
        """Recursively pinned root CIDs."""
        return sorted(self._pin_log.pins())

    def add_pinned(
        self, data: bytes, *, params: ImportParams | str, expect: str | None = None
    ) -> str:
        """Add ``data`` as one UnixFS file and pin it, under the lock (no ``gc`` can remove the
        fresh blocks before the pin protects them); its CID. ``expect``: the CID it must have
        (an ``IPFSError`` naming both otherwise). The one store-and-pin of mint, offer,
        ``collection set`` and attachments."""
        from provenance.ipfs.importer import add_bytes

        with self.locked():
            cid = str(add_bytes(data, store=self, params=params).cid)
            if expect is not None and cid != expect:
                raise IPFSError(f"stored as {cid}, not {expect}", cid=expect)
            # Every block of the DAG was just written or found intact under this lock, which gc
            # takes too: pinned without walking it again (``pin`` reads every block back).
            self._pin_log.add(cid)
        return cid

    def pin(self, cid: str | CID) -> str:
        """Pin a DAG recursively; every block must be present and intact.

        The walk and the write happen under the lock gc takes: a gc cannot delete a block
        between the check that it is present and the pin that protects it.
        """
        parsed = as_cid(cid)
        text = str(parsed)
        with self.locked():
            try:
                for _ in walk_dag(self, parsed):
                    pass
            except BlockNotFound as exc:
                missing = exc.context.get("cid", "?")
                raise BlockNotFound(
                    f"cannot pin {text}: block {missing} is missing from the local store "
                    "(removed by gc before it was pinned, or never stored); add the content "
                    "again",
                    cid=missing,
                    root=text,
                ) from exc
            self._pin_log.add(text)
        return text

    def unpin(self, cid: str | CID) -> None:
        text = str(as_cid(cid))
        with self.locked():
            if not self._pin_log.remove(text):
                raise IPFSError(f"not pinned: {text}", cid=text)

    def gc(self) -> int:
        """Delete every block not reachable from a pin; return how many were removed."""
        with self.locked():
            keep: set[bytes] = set()
            for root in self._pin_log.pins():
                for cid, _data in walk_dag(self, root):
                    keep.add(cid.multihash)
            removed = 0
            for multihash in list(self.iter_multihashes()):
                if multihash not in keep:
                    self._path(CID(1, 0x55, multihash)).unlink(missing_ok=True)
                    removed += 1
        return removed
