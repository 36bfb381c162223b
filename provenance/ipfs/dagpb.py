"""dag-pb, the protobuf codec of UnixFS nodes (https://ipld.io/specs/codecs/dag-pb/spec/).

Encoding follows the spec's canonical form, which is what Kubo (boxo) and js-ipfs write: links
first (field 2), sorted by name, each with Hash, Name and Tsize always present; then Data (field 1)
when the node has any. The decoder is strict: anything else is an ``IPFSError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from provenance.errors import IPFSError
from provenance.ipfs.cid import CID, decode_varint, encode_varint

__all__ = ["PBLink", "PBNode", "decode_node", "encode_node"]


@dataclass(frozen=True, slots=True)
class PBLink:
    """A named link; ``tsize`` is the cumulative size of the linked DAG in bytes."""

    cid: CID
    name: str = ""
    tsize: int = 0


@dataclass(frozen=True, slots=True)
class PBNode:
    links: tuple[PBLink, ...] = ()
    data: bytes | None = None


def _field(tag: int, payload: bytes) -> bytes:
    return bytes([tag]) + encode_varint(len(payload)) + payload


def encode_link(link: PBLink) -> bytes:
    body = (
        _field(0x0A, link.cid.to_bytes())
        + _field(0x12, link.name.encode("utf-8"))
        + b"\x18"
        + encode_varint(link.tsize)
    )
    return _field(0x12, body)


def encode_node(
    node: PBNode | None = None, *, links: Sequence[PBLink] = (), data: bytes | None = None
) -> bytes:
    """Encode a node; links are sorted by their UTF-8 name bytes (stable), as the spec asks."""
    if node is not None:
        links, data = node.links, node.data
    ordered = sorted(links, key=lambda link: link.name.encode("utf-8"))
    parts = [encode_link(link) for link in ordered]
    if data is not None:
        parts.append(_field(0x0A, data))
    return b"".join(parts)


def _read_bytes(buf: bytes, pos: int) -> tuple[bytes, int]:
    length, pos = decode_varint(buf, pos)
    end = pos + length
    if end > len(buf):
        raise IPFSError("dag-pb: truncated field")
    return buf[pos:end], end


def _decode_link(buf: bytes) -> PBLink:
    pos = 0
    cid: CID | None = None
    name: str | None = None
    tsize: int | None = None
    last = 0
    while pos < len(buf):
        key, pos = decode_varint(buf, pos)
        field, wire = key >> 3, key & 7
        if field <= last:
            raise IPFSError("dag-pb: link fields out of order or repeated")
        last = field
        if field == 1 and wire == 2:
            raw, pos = _read_bytes(buf, pos)
            cid = CID.decode(raw)
        elif field == 2 and wire == 2:
            raw, pos = _read_bytes(buf, pos)
            try:
                name = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise IPFSError("dag-pb: link name is not UTF-8") from exc
        elif field == 3 and wire == 0:
            tsize, pos = decode_varint(buf, pos)
        else:
            raise IPFSError(f"dag-pb: unexpected link field {field} (wire type {wire})")
    if cid is None:
        raise IPFSError("dag-pb: link without a Hash")
    return PBLink(cid, name or "", tsize or 0)


def decode_node(buf: bytes) -> PBNode:
    """Decode a dag-pb block; raise ``IPFSError`` on anything malformed."""
    pos = 0
    links: list[PBLink] = []
    data: bytes | None = None
    while pos < len(buf):
        key, pos = decode_varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire != 2 or field not in (1, 2):
            raise IPFSError(f"dag-pb: unexpected field {field} (wire type {wire})")
        raw, pos = _read_bytes(buf, pos)
        if field == 2:
            if data is not None:
                raise IPFSError("dag-pb: Links after Data")
            links.append(_decode_link(raw))
        else:
            if data is not None:
                raise IPFSError("dag-pb: repeated Data")
            data = raw
    return PBNode(tuple(links), data)
