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
    "BlockSource",
    "ContentSource",
    "as_cid",
    "block_links",
    "cat_bytes",
    "iter_file",
    "resolve_path",
    "walk_dag",
]


@runtime_checkable
class ContentSource(Protocol):
    """Anything that can return a file's bytes by CID, verified block by block."""

    def cat(self, cid: str) -> bytes: ...


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


def iter_file(source: BlockSource, cid: str | CID) -> Iterator[bytes]:
    """Stream a UnixFS file's bytes in order, one verified block at a time."""
    root = as_cid(cid)
    stack = [root]
    while stack:
        current = stack.pop()
        data = source.get_block(current)
        if current.codec == RAW:
            if data:
                yield data
            continue
        if current.codec != DAG_PB:
            raise IPFSError(f"{current} is not a UnixFS file (codec 0x{current.codec:x})")
        node = decode_node(data)
        meta = _unixfs(current, node)
        if meta.type not in (DataType.FILE, DataType.RAW):
            kind = meta.type.name.lower().replace("_", " ")
            raise IPFSError(f"{root} is a {kind}, not a file" if current == root else
                            f"{current} inside {root} is a {kind}, not file data")
        if meta.data:
            yield meta.data
        stack.extend(reversed([link.cid for link in node.links]))


def cat_bytes(source: BlockSource, cid: str | CID) -> bytes:
    return b"".join(iter_file(source, cid))


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
