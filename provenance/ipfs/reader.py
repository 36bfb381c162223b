"""Reading UnixFS back out of any verified block source: ``cat``, DAG walks, path resolution.

Everything here goes through ``BlockSource.get_block``, which returns only bytes already checked
against their CID; so a file reassembled from a blockstore, a Kubo daemon or a public gateway is
trusted to the same degree: not at all until each block's hash matched.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from provenance.errors import IPFSError
from provenance.ipfs.cid import CID, DAG_PB, RAW
from provenance.ipfs.dagpb import PBNode, decode_node
from provenance.ipfs.unixfs import DataType, UnixFSData, decode_unixfs

__all__ = [
    "DEFAULT_MAX_CAT_BYTES",
    "BlockSource",
    "ContentSource",
    "ContentTooLarge",
    "as_cid",
    "block_links",
    "cat_bytes",
    "iter_file",
    "resolve_path",
    "walk_dag",
]


# What a reader facing content it does not control (the gateway server, ``ipfs cat``) produces at
# most by default: far above any artwork, far below what exhausts a machine.
DEFAULT_MAX_CAT_BYTES = 1 << 30


@runtime_checkable
class ContentSource(Protocol):
    """Anything that can return a file's bytes by CID, verified block by block."""

    def cat(self, cid: str, *, max_size: int | None = None) -> bytes: ...


class ContentTooLarge(IPFSError):
    """A file is (or declares itself) larger than the reader was allowed to produce."""


class BlockSource(Protocol):
    """Returns a block's bytes only after checking them against ``cid``."""

    def get_block(self, cid: str | CID) -> bytes: ...


def as_cid(cid: str | CID) -> CID:
    return cid if isinstance(cid, CID) else CID.parse(cid)


def block_links(cid: CID, data: bytes) -> list[CID]:
    """The CIDs a block links to (dag-pb links; raw blocks have none)."""
    if cid.codec == DAG_PB:
        return [link.cid for link in decode_node(data).links]
    if cid.codec == RAW:
        return []
    raise IPFSError(f"unsupported codec 0x{cid.codec:x} in {cid} (only dag-pb and raw)")


def walk_dag(source: BlockSource, root: str | CID) -> Iterator[tuple[CID, bytes]]:
    """Every block of a DAG once, depth-first pre-order (the order of ``ipfs dag export``)."""
    seen: set[bytes] = set()
    stack = [as_cid(root)]
    while stack:
        cid = stack.pop()
        key = cid.to_bytes()
        if key in seen:
            continue
        seen.add(key)
        data = source.get_block(cid)
        yield cid, data
        stack.extend(reversed(block_links(cid, data)))


def _unixfs(cid: CID, node: PBNode) -> UnixFSData:
    if node.data is None:
        raise IPFSError(f"dag-pb node {cid} carries no UnixFS data")
    return decode_unixfs(node.data)


def iter_file(
    source: BlockSource, cid: str | CID, *, max_size: int | None = None
) -> Iterator[bytes]:
    """Stream a UnixFS file's bytes in order, one verified block at a time.

    A valid DAG may link the same block many times, so a few small blocks can expand to any
    size; every block passing its hash check says nothing about the total. With ``max_size``,
    a root whose UnixFS ``filesize`` exceeds it is refused before any child is fetched, and
    reading stops with ``ContentTooLarge`` as soon as more than ``max_size`` bytes have been
    produced. A DAG producing more bytes than its root declares is refused in any case.
    """
    root = as_cid(cid)
    if max_size is not None and max_size < 0:
        raise ValueError("max_size must be non-negative")
    limit = max_size
    produced = 0
    stack = [root]
    while stack:
        current = stack.pop()
        data = source.get_block(current)
        if current.codec == RAW:
            chunk = data
        elif current.codec == DAG_PB:
            node = decode_node(data)
            meta = _unixfs(current, node)
            if meta.type not in (DataType.FILE, DataType.RAW):
                kind = meta.type.name.lower().replace("_", " ")
                raise IPFSError(
                    f"{root} is a {kind}, not a file"
                    if current == root
                    else f"{current} inside {root} is a {kind}, not file data"
                )
            if current is root and meta.filesize is not None:
                if max_size is not None and meta.filesize > max_size:
                    raise ContentTooLarge(
                        f"{root} declares {meta.filesize} bytes, more than the limit of {max_size}",
                        cid=str(root),
                        size=meta.filesize,
                        limit=max_size,
                    )
                limit = meta.filesize
            chunk = meta.data or b""
            stack.extend(reversed([link.cid for link in node.links]))
        else:
            raise IPFSError(f"{current} is not a UnixFS file (codec 0x{current.codec:x})")
        if not chunk:
            continue
        produced += len(chunk)
        if limit is not None and produced > limit:
            if limit == max_size:
                raise ContentTooLarge(
                    f"{root} is larger than the limit of {max_size} bytes",
                    cid=str(root),
                    limit=max_size,
                )
            raise IPFSError(
                f"{root} holds more bytes than the {limit} its root declares", cid=str(root)
            )
        yield chunk


def cat_bytes(source: BlockSource, cid: str | CID, *, max_size: int | None = None) -> bytes:
    """A whole UnixFS file in memory; see ``iter_file`` for ``max_size``."""
    return b"".join(iter_file(source, cid, max_size=max_size))


def resolve_path(source: BlockSource, cid: str | CID, path: str) -> CID:
    """Follow ``a/b/c`` through UnixFS directories from ``cid``."""
    current = as_cid(cid)
    for part in (p for p in path.split("/") if p):
        if current.codec != DAG_PB:
            raise IPFSError(f"cannot resolve {part!r}: {current} is not a directory")
        node = decode_node(source.get_block(current))
        if _unixfs(current, node).type != DataType.DIRECTORY:
            raise IPFSError(f"cannot resolve {part!r}: {current} is not a directory")
        for link in node.links:
            if link.name == part:
                current = link.cid
                break
        else:
            raise IPFSError(f"no link named {part!r} under {current}", cid=str(current))
    return current


def directory_entries(source: BlockSource, cid: str | CID) -> list[tuple[str, CID, int]] | None:
    """``(name, cid, tsize)`` for a UnixFS directory; ``None`` when ``cid`` is not one."""
    current = as_cid(cid)
    if current.codec != DAG_PB:
        return None
    node = decode_node(source.get_block(current))
    if node.data is None or decode_unixfs(node.data).type != DataType.DIRECTORY:
        return None
    return [(link.name, link.cid, link.tsize) for link in node.links]
