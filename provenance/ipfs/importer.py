"""The UnixFS importer: bytes or files in, a Kubo-identical DAG (and its root CID) out.

Files use fixed-size chunking and the balanced layout of boxo's ``importer/balanced`` (what
``ipfs add`` runs): leaves are packed left to right into nodes of at most ``max_links`` children,
those nodes again, until one root remains. A file of a single chunk is that chunk's leaf; an empty
file is one empty leaf. The tree is built level by level as chunks stream in, so memory holds one
chunk plus at most ``max_links`` pending links per level, whatever the file size.

Leaves of a multi-chunk file are read and hashed on two threads, each chunk at its offset (hashlib
and file reads release the GIL): a file is read once and hashed on every core the machine lends,
pushed in order, with at most ``_WINDOW`` chunks in flight (memory stays flat). A file whose size
or modification time differs after the import from before it is refused: its CID would be of no
version of the file.

Directories are flat dag-pb directory nodes (below Kubo's HAMT sharding threshold): links sorted
by name, each carrying the cumulative size of the child DAG.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from provenance.errors import InputError, IPFSError
from provenance.ipfs.cid import CID, DAG_PB, RAW
from provenance.ipfs.dagpb import PBLink, encode_node
from provenance.ipfs.params import DEFAULT_PROFILE, ImportParams, resolve_params
from provenance.ipfs.unixfs import DataType, encode_unixfs, file_leaf_parts

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = [
    "BlockSink",
    "ImportResult",
    "add_bytes",
    "add_file",
    "add_path",
    "add_stream",
]

Buffer = bytes | bytearray | memoryview


class BlockSink(Protocol):
    """Where the importer writes blocks (the blockstore); ``None`` means hash only."""

    def put_parts(self, cid: CID, parts: Sequence[Buffer]) -> None: ...


@dataclass(frozen=True, slots=True)
class ImportResult:
    """``cid`` of the root, ``size`` of the content in bytes (file bytes; for a directory the sum
    of its files), ``dag_size`` the cumulative size of all blocks (the Tsize a parent would record),
    ``params`` the parameters used."""

    cid: str
    size: int
    dag_size: int
    params: ImportParams


@dataclass(slots=True)
class _Child:
    cid: CID
    tsize: int  # cumulative DAG bytes (dag-pb link Tsize)
    filesize: int  # file bytes below it (UnixFS blocksizes entry)


class _Builder:
    def __init__(self, params: ImportParams, store: BlockSink | None) -> None:
        self.params = params
        self.store = store
        self.node_version = params.cid_version
        self.levels: list[list[_Child]] = [[]]

    def _emit(self, parts: Sequence[Buffer], codec: int, digest: bytes | None = None) -> CID:
        version = self.node_version if codec == DAG_PB else 1
        cid = CID.from_digest(digest or _sha256(parts), version=version, codec=codec)
        if self.store is not None:
            self.store.put_parts(cid, parts)
        return cid

    def leaf_parts(self, chunk: Buffer) -> tuple[list[Buffer], int]:
        """A leaf's block, as parts (no copy of the chunk), and its codec."""
        if self.params.raw_leaves:
            return [chunk], RAW
        head, tail = file_leaf_parts(len(chunk))
        return [head, chunk, tail], DAG_PB

    def leaf(self, chunk: Buffer, digest: bytes | None = None) -> _Child:
        """The leaf of ``chunk``; ``digest`` is the sha256 of its block when already computed."""
        parts, codec = self.leaf_parts(chunk)
        cid = self._emit(parts, codec, digest)
        return _Child(cid, sum(len(p) for p in parts), len(chunk))

    def _branch(self, children: list[_Child]) -> _Child:
        filesize = sum(child.filesize for child in children)
        data = encode_unixfs(
            DataType.FILE, filesize=filesize, blocksizes=[c.filesize for c in children]
        )
        block = encode_node(links=[PBLink(c.cid, "", c.tsize) for c in children], data=data)
        cid = self._emit([block], DAG_PB)
        return _Child(cid, len(block) + sum(c.tsize for c in children), filesize)

    def push(self, child: _Child, level: int = 0) -> None:
        while len(self.levels) <= level:
            self.levels.append([])
        self.levels[level].append(child)
        # A full node can be closed at once: whatever follows goes into a sibling.
        if len(self.levels[level]) == self.params.max_links:
            full, self.levels[level] = self.levels[level], []
            self.push(self._branch(full), level + 1)

    def finish(self) -> _Child:
        for level, pending in enumerate(self.levels):
            higher = any(self.levels[level + 1 :])
            if len(pending) == 1 and not higher:
                return pending[0]
            if pending:
                self.levels[level] = []
                self.push(self._branch(pending), level + 1)
        raise AssertionError("unreachable: the importer always leaves one root")


def _read_full(src: BinaryIO, view: memoryview) -> int:
    """Fill ``view`` unless the stream ends first (Go's io.ReadFull): chunks are exact."""
    filled = 0
    while filled < len(view):
        got = src.readinto(view[filled:])  # type: ignore[attr-defined]
        if not got:
            break
        filled += got
    return filled


def _pread_full(fd: int, view: memoryview, offset: int) -> int:
    """``_read_full`` at ``offset`` of a file, without moving (or sharing) a file position."""
    filled = 0
    while filled < len(view):
        got = os.preadv(fd, [view[filled:]], offset + filled)
        if not got:
            break
        filled += got
    return filled


def _sha256(parts: Sequence[Buffer]) -> bytes:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part)
    return hasher.digest()


_HASHERS = 2  # threads reading and hashing leaves
_WINDOW = 4  # chunks ahead of the builder at most


def _file_descriptor(src: BinaryIO) -> int | None:
    """The descriptor of ``src`` when it is a regular file (read at offsets), else ``None``."""
    try:
        fd = src.fileno()
    except (AttributeError, OSError, ValueError):  # io.BytesIO and other in-memory streams
        return None
    return fd if stat.S_ISREG(os.fstat(fd).st_mode) else None


def _version(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_size, info.st_mtime_ns


def _import_file(src: BinaryIO, params: ImportParams, store: BlockSink | None) -> _Child:
    size = params.chunk_size
    builder = _Builder(params, store)
    fd = _file_descriptor(src)
    before = _version(fd) if fd is not None else None
    # Without a store a leaf's bytes are dead once hashed: their buffer is read into again (a
    # fresh bytearray is zeroed and page-faulted in again: 256 MiB for a 256 MiB file).
    spare: list[memoryview] = []
    recycle = spare if store is None else []

    def buffer() -> memoryview:
        return spare.pop() if spare else memoryview(bytearray(size))

    first = buffer()
    chunk = first[: _pread_full(fd, first, 0) if fd is not None else _read_full(src, first)]
    if len(chunk) < size:  # one leaf (or an empty file): no threads needed
        builder.push(builder.leaf(chunk))
    else:
        _import_chunks(builder, first, src, fd, spare, recycle, buffer)
    if fd is not None and _version(fd) != before:
        raise IPFSError("the file changed while it was read: its CID would be of no version of it")
    return builder.finish()


def _import_chunks(
    builder: _Builder,
    first: memoryview,
    src: BinaryIO,
    fd: int | None,
    spare: list[memoryview],
    recycle: list[memoryview],
    buffer: Callable[[], memoryview],
) -> None:
    """Leaves from the full chunk in ``first`` on, hashed on ``_HASHERS`` threads, pushed in
    order. A file is read by the hashing threads themselves, each at its chunk's offset, so
    reading and hashing share every core and this thread copies nothing; a stream is read here."""
    size = builder.params.chunk_size
    # Imported here: concurrent.futures (with logging) is 15 ms that one-chunk files never need.
    from concurrent.futures import ThreadPoolExecutor

    def hashed(view: memoryview, index: int) -> tuple[memoryview, bytes]:
        if fd is not None and index:
            view = view[: _pread_full(fd, view, index * size)]
        return view, _sha256(builder.leaf_parts(view)[0])

    in_flight: deque[tuple[memoryview, Future[tuple[memoryview, bytes]]]] = deque()
    with ThreadPoolExecutor(max_workers=_HASHERS, thread_name_prefix="unixfs-hash") as pool:
        in_flight.append((first, pool.submit(hashed, first, 0)))
        index, read_all = 0, False
        while in_flight:
            while not read_all and len(in_flight) < _WINDOW:
                index += 1
                view = buffer()
                if fd is None:  # a stream: read in order here, and its end is known at once
                    view = view[: _read_full(src, view)]
                    read_all = len(view) < size
                    if not view:
                        break
                in_flight.append((view, pool.submit(hashed, view, index)))
            used, job = in_flight.popleft()
            chunk, digest = job.result()
            if chunk:  # a file's length a multiple of the chunk size: its last read is empty
                builder.push(builder.leaf(chunk, digest))
            recycle.append(used)
            if len(chunk) < size:  # the end (reads asked for past it come back empty)
                break


def _result(child: _Child, params: ImportParams) -> ImportResult:
    return ImportResult(str(child.cid), child.filesize, child.tsize, params)


def add_stream(
    src: BinaryIO,
    *,
    store: BlockSink | None = None,
    params: ImportParams | str = DEFAULT_PROFILE,
) -> ImportResult:
    """Import a binary stream as one UnixFS file (``store=None``: only compute the CID)."""
    resolved = resolve_params(params)
    return _result(_import_file(src, resolved, store), resolved)


def add_bytes(
    data: bytes,
    *,
    store: BlockSink | None = None,
    params: ImportParams | str = DEFAULT_PROFILE,
) -> ImportResult:
    """Import ``data`` as one UnixFS file and return its root CID."""
    import io

    resolved = resolve_params(params)
    if len(data) < resolved.chunk_size:
        # One leaf, as ``_import_file`` makes it, without reading the bytes into a fresh
        # chunk-sized buffer (1 MiB zeroed for each small file: most of a batch's metadata cost).
        builder = _Builder(resolved, store)
        builder.push(builder.leaf(memoryview(data)))
        return _result(builder.finish(), resolved)
    return add_stream(io.BytesIO(data), store=store, params=resolved)


def add_file(
    path: str | os.PathLike[str],
    *,
    store: BlockSink | None = None,
    params: ImportParams | str = DEFAULT_PROFILE,
) -> ImportResult:
    """Import a regular file (streamed in chunks) and return its root CID."""
    resolved = resolve_params(params)
    try:
        # Unbuffered: readinto goes straight into our chunk buffer (no extra copy).
        with open(path, "rb", buffering=0) as src:
            return _result(_import_file(src, resolved, store), resolved)
    except FileNotFoundError as exc:
        raise InputError(f"no such file: {path}", path=str(path)) from exc
    except IsADirectoryError as exc:
        raise InputError(f"is a directory (use a directory import): {path}") from exc
    except PermissionError as exc:
        raise InputError(f"cannot read {path}: permission denied", path=str(path)) from exc


def _directory_node(
    entries: list[tuple[str, _Child]], params: ImportParams, store: BlockSink | None
) -> _Child:
    builder = _Builder(params, store)
    block = encode_node(
        links=[PBLink(child.cid, name, child.tsize) for name, child in entries],
        data=encode_unixfs(DataType.DIRECTORY),
    )
    cid = builder._emit([block], DAG_PB)
    tsize = len(block) + sum(child.tsize for _, child in entries)
    return _Child(cid, tsize, sum(child.filesize for _, child in entries))


def _symlink_node(target: str, params: ImportParams, store: BlockSink | None) -> _Child:
    builder = _Builder(params, store)
    block = encode_node(data=encode_unixfs(DataType.SYMLINK, data=os.fsencode(target)))
    return _Child(builder._emit([block], DAG_PB), len(block), 0)


def _import_tree(
    path: Path, params: ImportParams, store: BlockSink | None, *, hidden: bool
) -> _Child:
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        return _symlink_node(os.readlink(path), params, store)
    if stat.S_ISREG(mode):
        with open(path, "rb", buffering=0) as src:
            return _import_file(src, params, store)
    if stat.S_ISDIR(mode):
        entries: list[tuple[str, _Child]] = []
        for name in sorted(os.listdir(path)):
            if name.startswith(".") and not hidden:
                continue  # Kubo skips dotfiles unless --hidden
            entries.append((name, _import_tree(path / name, params, store, hidden=hidden)))
        return _directory_node(entries, params, store)
    raise InputError(f"not a regular file, directory or symlink: {path}", path=str(path))


def add_path(
    path: str | os.PathLike[str],
    *,
    store: BlockSink | None = None,
    params: ImportParams | str = DEFAULT_PROFILE,
    wrap_with_directory: bool = False,
    hidden: bool = False,
) -> ImportResult:
    """Import a file or a folder (recursively) as Kubo's ``ipfs add [-r] [-w]`` does.

    ``wrap_with_directory`` puts the result in a directory with one entry named after ``path``.
    """
    resolved = resolve_params(params)
    target = Path(path)
    try:
        child = _import_tree(target, resolved, store, hidden=hidden)
        if wrap_with_directory:
            name = target.resolve().name if target.name in ("", ".", "..") else target.name
            child = _directory_node([(name, child)], resolved, store)
    except FileNotFoundError as exc:
        raise InputError(f"no such file or directory: {exc.filename}", path=str(path)) from exc
    except PermissionError as exc:
        raise InputError(f"cannot read {exc.filename}: permission denied") from exc
    except OSError as exc:
        raise IPFSError(f"cannot import {path}: {exc.strerror}", path=str(path)) from exc
    return _result(child, resolved)
