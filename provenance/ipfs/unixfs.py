"""UnixFS ``Data`` messages (https://specs.ipfs.tech/unixfs/), the payload of dag-pb file and
directory nodes.

Field order and presence match go-unixfs (what Kubo writes): Type, Data (when set), filesize
(files), then one unpacked ``blocksizes`` entry per child.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from provenance.errors import IPFSError
from provenance.ipfs.cid import decode_varint, encode_varint

__all__ = ["DataType", "UnixFSData", "decode_unixfs", "encode_unixfs", "file_leaf_parts"]


class DataType(IntEnum):
    RAW = 0
    DIRECTORY = 1
    FILE = 2
    METADATA = 3
    SYMLINK = 4
    HAMT_SHARD = 5


@dataclass(frozen=True, slots=True)
class UnixFSData:
    type: DataType
    data: bytes | None = None
    filesize: int | None = None
    blocksizes: tuple[int, ...] = field(default=())


def encode_unixfs(
    type_: DataType,
    *,
    data: bytes | None = None,
    filesize: int | None = None,
    blocksizes: Sequence[int] = (),
) -> bytes:
    out = bytearray(b"\x08")
    out += encode_varint(int(type_))
    if data is not None:
        out += b"\x12" + encode_varint(len(data)) + data
    if filesize is not None:
        out += b"\x18" + encode_varint(filesize)
    for size in blocksizes:
        out += b"\x20" + encode_varint(size)
    return bytes(out)


def file_leaf_parts(length: int) -> tuple[bytes, bytes]:
    """Prefix and suffix that surround a chunk of ``length`` bytes in a dag-pb file leaf.

    The leaf is ``PBNode{Data: UnixFS{Type: File, Data: chunk, filesize: len}}``; returning the
    framing lets the importer hash and write the chunk without copying it.
    """
    inner_head = b"\x08\x02"
    if length:
        inner_head += b"\x12" + encode_varint(length)
    inner_tail = b"\x18" + encode_varint(length)
    inner_len = len(inner_head) + length + len(inner_tail)
    return b"\x0a" + encode_varint(inner_len) + inner_head, inner_tail


def decode_unixfs(buf: bytes) -> UnixFSData:
    """Decode a UnixFS Data message; raise ``IPFSError`` when malformed."""
    pos = 0
    type_: int | None = None
    data: bytes | None = None
    filesize: int | None = None
    blocksizes: list[int] = []
    while pos < len(buf):
        key, pos = decode_varint(buf, pos)
        fnum, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = decode_varint(buf, pos)
            if fnum == 1:
                type_ = value
            elif fnum == 3:
                filesize = value
            elif fnum == 4:
                blocksizes.append(value)
            # hashType, fanout, mtime-less mode: read and ignored.
        elif wire == 2:
            length, pos = decode_varint(buf, pos)
            end = pos + length
            if end > len(buf):
                raise IPFSError("unixfs: truncated field")
            chunk = buf[pos:end]
            pos = end
            if fnum == 2:
                data = chunk
            elif fnum == 4:  # packed blocksizes (tolerated on read)
                inner = 0
                while inner < len(chunk):
                    value, inner = decode_varint(chunk, inner)
                    blocksizes.append(value)
        elif wire == 5:
            pos += 4
        elif wire == 1:
            pos += 8
        else:
            raise IPFSError(f"unixfs: unsupported wire type {wire}")
        if pos > len(buf):
            raise IPFSError("unixfs: truncated field")
    if type_ is None:
        raise IPFSError("unixfs: Data message without a Type")
    try:
        kind = DataType(type_)
    except ValueError as exc:
        raise IPFSError(f"unixfs: unknown node type {type_}") from exc
    return UnixFSData(kind, data, filesize, tuple(blocksizes))
