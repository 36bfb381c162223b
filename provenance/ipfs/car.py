"""CARv1 (https://ipld.io/specs/transport/car/carv1/): export a DAG, import and verify one.

A CAR is ``varint(len) dag-cbor{roots, version: 1}`` then sections ``varint(len) CID block``.
Reading checks every block against its CID as it streams in (``IntegrityError`` naming the CID)
and turns any truncation or malformed framing into an ``IPFSError``; nothing unverified is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO, Protocol

from provenance.errors import IPFSError
from provenance.ipfs.cid import CID, encode_varint
from provenance.ipfs.reader import BlockSource, as_cid, walk_dag

__all__ = [
    "MAX_SECTION",
    "decode_header",
    "encode_header",
    "export_car",
    "import_car",
    "iter_car",
    "write_car",
]

# Blocks are at most 2 MiB in practice (bitswap's limit); a larger section is garbage, and
# refusing it keeps a hostile CAR from making us allocate gigabytes.
MAX_SECTION = 8 * 1024 * 1024
MAX_HEADER = 64 * 1024


# -- a minimal dag-cbor subset: exactly what the CARv1 header needs -----------------------------
def _cbor_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * width):
            return bytes([major << 5 | info]) + value.to_bytes(width, "big")
    raise ValueError("integer too large for CBOR")


def encode_header(roots: Iterable[str | CID]) -> bytes:
    """The dag-cbor header ``{"roots": [...], "version": 1}`` (canonical key order)."""
    root_list = [as_cid(r) for r in roots]
    out = bytearray(_cbor_head(5, 2))
    out += _cbor_head(3, 5) + b"roots" + _cbor_head(4, len(root_list))
    for root in root_list:
        raw = b"\x00" + root.to_bytes()  # tag 42: CID bytes behind the identity multibase
        out += b"\xd8\x2a" + _cbor_head(2, len(raw)) + raw
    out += _cbor_head(3, 7) + b"version" + _cbor_head(0, 1)
    return bytes(out)


class _Cbor:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.depth = data, 0, 0

    def _take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise IPFSError("CAR header: truncated CBOR")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def _head(self) -> tuple[int, int]:
        first = self._take(1)[0]
        major, info = first >> 5, first & 0x1F
        if info < 24:
            return major, info
        widths = {24: 1, 25: 2, 26: 4, 27: 8}
        if info not in widths:
            raise IPFSError("CAR header: indefinite or reserved CBOR length")
        return major, int.from_bytes(self._take(widths[info]), "big")

    def item(self) -> object:
        self.depth += 1
        if self.depth > 16:
            raise IPFSError("CAR header: CBOR nested too deeply")
        major, value = self._head()
        result: object
        if major == 0:
            result = value
        elif major == 1:
            result = -1 - value
        elif major == 2:
            result = self._take(value)
        elif major == 3:
            try:
                result = self._take(value).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise IPFSError("CAR header: invalid UTF-8") from exc
        elif major == 4:
            if value > len(self.data):
                raise IPFSError("CAR header: array longer than the header")
            result = [self.item() for _ in range(value)]
        elif major == 5:
            if value > len(self.data):
                raise IPFSError("CAR header: map longer than the header")
            mapping: dict[object, object] = {}
            for _ in range(value):
                key = self.item()
                if not isinstance(key, str):
                    raise IPFSError("CAR header: map keys must be strings")
                mapping[key] = self.item()
            result = mapping
        elif major == 6:
            inner = self.item()
            if value != 42 or not isinstance(inner, bytes) or inner[:1] != b"\x00":
                raise IPFSError(f"CAR header: unexpected CBOR tag {value}")
            result = CID.decode(inner[1:])
        elif major == 7 and value in (20, 21, 22):
            result = {20: False, 21: True, 22: None}[value]
        else:
            raise IPFSError("CAR header: unsupported CBOR item")
        self.depth -= 1
        return result


def decode_header(data: bytes) -> list[CID]:
    parser = _Cbor(data)
    header = parser.item()
    if parser.pos != len(data):
        raise IPFSError("CAR header: trailing bytes")
    if not isinstance(header, dict):
        raise IPFSError("CAR header is not a map")
    version = header.get("version")
    if version == 2:
        raise IPFSError("CARv2 is not supported; convert it to CARv1 first")
    if version != 1:
        raise IPFSError(f"not a CARv1 file (version {version!r})")
    roots = header.get("roots")
    if not isinstance(roots, list) or not all(isinstance(r, CID) for r in roots):
        raise IPFSError("CAR header: roots must be a list of CIDs")
    return list(roots)


# -- streams ------------------------------------------------------------------------------------
def _read_varint(src: BinaryIO, *, allow_eof: bool) -> int | None:
    value = 0
    for i in range(9):
        byte = src.read(1)
        if not byte:
            if i == 0 and allow_eof:
                return None
            raise IPFSError("truncated CAR: the file ends inside a length prefix")
        value |= (byte[0] & 0x7F) << (7 * i)
        if not byte[0] & 0x80:
            if byte[0] == 0 and i > 0:
                raise IPFSError("CAR: length prefix is not minimally encoded")
            return value
    raise IPFSError("CAR: length prefix longer than 9 bytes")


def _read_exact(src: BinaryIO, n: int, what: str) -> bytes:
    data = src.read(n)
    if len(data) != n:
        raise IPFSError(f"truncated CAR: the file ends inside {what} ({len(data)} of {n} bytes)")
    return data


def iter_car(src: BinaryIO) -> tuple[list[CID], Iterator[tuple[CID, bytes]]]:
    """Parse the header now; return the roots and an iterator of verified ``(cid, block)``."""
    length = _read_varint(src, allow_eof=True)
    if length is None:
        raise IPFSError("empty file: not a CAR")
    if not 0 < length <= MAX_HEADER:
        raise IPFSError(f"CAR header length {length} is out of range: not a CAR file")
    roots = decode_header(_read_exact(src, length, "the header"))

    def sections() -> Iterator[tuple[CID, bytes]]:
        while True:
            size = _read_varint(src, allow_eof=True)
            if size is None:
                return
            if not 0 < size <= MAX_SECTION:
                raise IPFSError(f"CAR section of {size} bytes is out of range")
            body = _read_exact(src, size, "a block")
            cid, offset = CID.decode_prefix(body)
            data = body[offset:]
            cid.verify(data)
            yield cid, data

    return roots, sections()


def write_car(
    out: BinaryIO, roots: Iterable[str | CID], blocks: Iterable[tuple[CID, bytes]]
) -> int:
    """Write a CARv1; return the number of blocks written."""
    header = encode_header(roots)
    out.write(encode_varint(len(header)) + header)
    count = 0
    for cid, data in blocks:
        raw = cid.to_bytes()
        out.write(encode_varint(len(raw) + len(data)))
        out.write(raw)
        out.write(data)
        count += 1
    return count


def export_car(store: BlockSource, root_cid: str | CID, out: BinaryIO) -> int:
    """Write the whole DAG under ``root_cid`` as a CARv1 (depth-first, as ``ipfs dag export``)."""
    root = as_cid(root_cid)
    return write_car(out, [root], walk_dag(store, root))


class BlockSink(Protocol):
    def put_block(self, cid: str | CID, data: bytes) -> CID: ...


def import_car(store: BlockSink, src: BinaryIO) -> list[str]:
    """Verify and store every block of a CARv1; return its roots.

    Each block is checked before it is written, so a tampered CAR stores nothing unverified;
    blocks that came before the bad one are valid content but stay unpinned.
    """
    roots, blocks = iter_car(src)
    for cid, data in blocks:
        store.put_block(cid, data)
    return [str(root) for root in roots]
