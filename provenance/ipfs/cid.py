"""Content identifiers (CIDv0 and CIDv1), multihash and the two multibases IPFS prints.

A CID is ``<version><codec><multihash>``; CIDv0 is the bare sha2-256 multihash of a dag-pb node
written in base58btc (``Qm...``), CIDv1 is written in lower-case base32 with the ``b`` prefix
(``bafy...`` for dag-pb, ``bafk...`` for raw).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from provenance.errors import InvalidCID, IPFSError

__all__ = [
    "CID",
    "DAG_PB",
    "RAW",
    "SHA2_256",
    "InvalidCID",
    "raw_cid_for_sha256",
]

DAG_PB = 0x70
RAW = 0x55
SHA2_256 = 0x12

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}


def encode_varint(value: int) -> bytes:
    """Unsigned LEB128, as multiformats uses it."""
    if value < 0:
        raise ValueError("varint must be non-negative")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(data: bytes, offset: int = 0) -> tuple[int, int]:
    """Return ``(value, next_offset)``; minimal encodings only, at most 9 bytes (multiformats)."""
    value = 0
    for i in range(9):
        if offset + i >= len(data):
            raise IPFSError("truncated varint")
        byte = data[offset + i]
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if byte == 0 and i > 0:
                raise IPFSError("varint is not minimally encoded")
            return value, offset + i + 1
    raise IPFSError("varint longer than 9 bytes")


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rem = divmod(number, 58)
        out = _B58_ALPHABET[rem] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _B58_INDEX:
            raise IPFSError(f"invalid base58 character {char!r}")
        number = number * 58 + _B58_INDEX[char]
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + body


def b32encode(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def b32decode(text: str) -> bytes:
    if text != text.lower():
        raise IPFSError("base32 CIDs are lower case")
    padded = text.upper() + "=" * (-len(text) % 8)
    try:
        return base64.b32decode(padded)
    except ValueError as exc:
        raise IPFSError(f"invalid base32: {text!r}") from exc


@dataclass(frozen=True, slots=True)
class CID:
    """A parsed CID. ``multihash`` is the full multihash (code, length, digest)."""

    version: int
    codec: int
    multihash: bytes

    @classmethod
    def from_digest(cls, digest: bytes, *, version: int, codec: int) -> CID:
        if len(digest) != 32:
            raise ValueError("sha2-256 digests are 32 bytes")
        if version == 0 and codec != DAG_PB:
            raise ValueError("CIDv0 is dag-pb only")
        return cls(version, codec, bytes([SHA2_256, 32]) + digest)

    @classmethod
    def for_bytes(cls, data: bytes, *, version: int = 1, codec: int = RAW) -> CID:
        return cls.from_digest(hashlib.sha256(data).digest(), version=version, codec=codec)

    @classmethod
    def parse(cls, text: str) -> CID:
        """Parse a CID's text form; ``InvalidCID`` (exit code 2) when it is not one."""
        text = text.strip()
        try:
            if len(text) == 46 and text.startswith("Qm"):
                raw = b58decode(text)
                if raw[:2] != bytes([SHA2_256, 32]) or len(raw) != 34:
                    raise InvalidCID(f"not a CIDv0: {text}")
                return cls(0, DAG_PB, raw)
            if not text.startswith("b"):
                raise InvalidCID(
                    f"unsupported CID (expected CIDv0 'Qm...' or base32 'b...'): {text!r}"
                )
            return cls.decode(b32decode(text[1:]))
        except InvalidCID:
            raise
        except IPFSError as exc:
            raise InvalidCID(f"invalid CID {text!r}: {exc}", cid=text) from exc

    @classmethod
    def decode(cls, raw: bytes) -> CID:
        """Parse binary CID bytes (as they appear in dag-pb links and CAR sections)."""
        if len(raw) == 34 and raw[:2] == bytes([SHA2_256, 32]):
            return cls(0, DAG_PB, raw)
        cid, end = cls.decode_prefix(raw)
        if end != len(raw):
            raise IPFSError("trailing bytes after CID")
        return cid

    @classmethod
    def decode_prefix(cls, raw: bytes, offset: int = 0) -> tuple[CID, int]:
        """Parse a binary CID at ``offset``; return it and the offset after it."""
        if raw[offset : offset + 2] == bytes([SHA2_256, 32]):
            end = offset + 34
            if end > len(raw):
                raise IPFSError("truncated CIDv0")
            return cls(0, DAG_PB, bytes(raw[offset:end])), end
        version, pos = decode_varint(raw, offset)
        if version != 1:
            raise IPFSError(f"unsupported CID version {version}")
        codec, pos = decode_varint(raw, pos)
        mh_start = pos
        _code, pos = decode_varint(raw, pos)
        length, pos = decode_varint(raw, pos)
        end = pos + length
        if end > len(raw):
            raise IPFSError("truncated multihash")
        return cls(1, codec, bytes(raw[mh_start:end])), end

    @property
    def hash_code(self) -> int:
        return decode_varint(self.multihash)[0]

    @property
    def digest(self) -> bytes:
        _code, pos = decode_varint(self.multihash)
        length, pos = decode_varint(self.multihash, pos)
        return self.multihash[pos : pos + length]

    def to_bytes(self) -> bytes:
        if self.version == 0:
            return self.multihash
        return encode_varint(1) + encode_varint(self.codec) + self.multihash

    def encode(self) -> str:
        if self.version == 0:
            return b58encode(self.multihash)
        return "b" + b32encode(self.to_bytes())

    def __str__(self) -> str:
        return self.encode()

    def verify(self, data: bytes) -> None:
        """Raise ``IntegrityError`` unless ``data`` hashes to this CID."""
        from provenance.errors import IntegrityError

        if self.hash_code != SHA2_256:
            raise IPFSError(f"unsupported multihash 0x{self.hash_code:x} in {self}")
        if hashlib.sha256(data).digest() != self.digest:
            raise IntegrityError(f"content does not match its CID {self}", cid=str(self))


def raw_cid_for_sha256(digest: bytes) -> str:
    """The ``bafkrei...`` CIDv1 (raw codec) of a single-block file with this sha256."""
    return CID.from_digest(digest, version=1, codec=RAW).encode()
