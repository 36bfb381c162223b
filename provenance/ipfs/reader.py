"""Reading UnixFS back out of any verified block source: ``cat``, DAG walks, path resolution.

Everything here goes through ``BlockSource.get_block``, which returns only bytes already checked
against their CID; so a file reassembled from a blockstore, a Kubo daemon or a public gateway is
trusted to the same degree: not at all until each block's hash matched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol, runtime_checkable

from provenance.errors import ContentTooLarge, IPFSError, ReadCancelled
from provenance.ipfs.cid import CID, DAG_PB, RAW
from provenance.ipfs.dagpb import PBNode, decode_node
from provenance.ipfs.unixfs import DataType, UnixFSData, decode_unixfs

__all__ = [
    "DEFAULT_MAX_CAT_BYTES",
    "MAX_FILE_BLOCKS",
    "BlockSource",
    "ContentSource",
    "ContentTooLarge",
    "ReadCancelled",
    "as_cid",
    "block_budget",
    "block_links",
    "cat_bytes",
    "iter_file",
    "resolve_path",
    "walk_dag",
]


# What a reader facing content it does not control (the gateway server, ``ipfs cat``) produces at
# most by default: far above any artwork, far below what exhausts a machine.
DEFAULT_MAX_CAT_BYTES = 1 << 30
# The most blocks one file read visits, whatever sizes the file declares (see ``block_budget``).
MAX_FILE_BLOCKS = 1 << 20
_CANCEL_EVERY = 64


@runtime_checkable
class ContentSource(Protocol):
    """Anything that can return a file's bytes by CID, verified block by block."""

    def cat(self, cid: str, *, max_size: int | None = None) -> bytes: ...


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


def _content_size(current: CID, meta: UnixFSData, links: int) -> int:
    """The bytes a file node stands for, checked against its own parts.

    ``blocksizes`` must have one entry per link (what ipfs-unixfs-exporter also requires) and,
    with the node's own data, add up to ``filesize`` when that is given: a reader can then hold
    every child to the size its parent declared, and a DAG cannot say one size and be another.
    """
    if links != len(meta.blocksizes):
        raise IPFSError(
            f"{current} has {links} links but {len(meta.blocksizes)} blocksizes",
            cid=str(current),
        )
    parts = len(meta.data or b"") + sum(meta.blocksizes)
    if meta.filesize is not None and meta.filesize != parts:
        raise IPFSError(
            f"{current} declares {meta.filesize} bytes but its parts add up to {parts}",
            cid=str(current),
        )
    return parts


def block_budget(size: int) -> int:
    """How many blocks a reader may visit for a file of ``size`` bytes.

    Every part of an honest file holds at least one byte, so a tree of ``size`` leaves has fewer
    than ``2 * size`` nodes; links to empty blocks produce nothing and count all the same (a few
    valid blocks can link one empty leaf 1000^8 times). The fixed cap keeps the worst case to
    seconds: at Kubo's default 256 KiB chunks it is 256 GiB, at 1 KiB chunks 1 GiB.
    """
    return min(MAX_FILE_BLOCKS, 2 * size + 64)


def iter_file(
    source: BlockSource,
    cid: str | CID,
    *,
    max_size: int | None = None,
    max_blocks: int | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[bytes]:
    """Stream a UnixFS file's bytes in order, one verified block at a time.

    A valid DAG may link the same block many times, so a few small blocks can expand to any
    size, or to any amount of work producing nothing; every block passing its hash check says
    nothing about the total. So:

    - with ``max_size``, a root whose size exceeds it is refused before any child is fetched,
      and reading stops with ``ContentTooLarge`` once more than ``max_size`` bytes were produced;
    - every node's declared sizes must add up (see ``_content_size``) and every child must hold
      exactly what its parent declared for it;
    - at most ``max_blocks`` blocks are visited (default: ``block_budget`` of the root's size),
      a link to an empty block counting like any other;
    - ``cancelled`` is asked every few blocks (a server whose client went away); when it says
      yes, reading stops with ``ReadCancelled``.
    """
    root = as_cid(cid)
    if max_size is not None and max_size < 0:
        raise ValueError("max_size must be non-negative")
    limit = max_size
    budget = MAX_FILE_BLOCKS if max_blocks is None else max_blocks
    produced = 0
    visited = 0
    # (block, the size its parent declared for it; None for the root)
    stack: list[tuple[CID, int | None]] = [(root, None)]
    while stack:
        current, declared = stack.pop()
        visited += 1
        if visited > budget:
            raise IPFSError(
                f"{root} takes more than {budget} blocks to read (a DAG linking the same "
                "blocks over and over); refused",
                cid=str(root),
                limit=budget,
            )
        if cancelled is not None and visited % _CANCEL_EVERY == 0 and cancelled():
            raise ReadCancelled(f"reading {root} was cancelled", cid=str(root))
        data = source.get_block(current)
        if current.codec == RAW:
            chunk = data
            size = len(data)
            children: list[tuple[CID, int | None]] = []
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
            size = _content_size(current, meta, len(node.links))
            if current is root:
                if max_size is not None and size > max_size:
                    raise ContentTooLarge(
                        f"{root} declares {size} bytes, more than the limit of {max_size}",
                        cid=str(root),
                        size=size,
                        limit=max_size,
                    )
                limit = size
                if max_blocks is None:
                    budget = block_budget(size)
            chunk = meta.data or b""
            children = [
                (link.cid, part) for link, part in zip(node.links, meta.blocksizes, strict=True)
            ]
            stack.extend(reversed(children))
        else:
            raise IPFSError(f"{current} is not a UnixFS file (codec 0x{current.codec:x})")
        if declared is not None and size != declared:
            raise IPFSError(
                f"{current} inside {root} holds {size} bytes where its parent declares {declared}",
                cid=str(root),
            )
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
