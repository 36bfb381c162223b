"""What a token carries besides its still: an animation, the model file, its ONNX export.

An animation's mime type is sniffed from its bytes (never taken from the file name) and its
duration read from the container: MP4's ``mvhd`` box, WebM's ``Segment/Info/Duration`` (EBML),
a GIF's frame delays (Pillow). These small readers are hand-written because no maintained
pure-Python library reads all three; ``tests/content/test_media.py`` checks them against ffprobe's
answer (the ffmpeg in the ``imageio-ffmpeg`` wheel) for files ``gan animate`` wrote.

The model file and the ONNX export are named by a generation record: the model by its sha256
(checked here), the ONNX file is added to the record as ``"onnx": {"cid", "sha256"}``.
"""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provenance.errors import InputError

__all__ = [
    "ANIMATION_MIMES",
    "MAX_ANIMATION_BYTES",
    "Animation",
    "MediaFile",
    "load_animation",
    "load_media_file",
    "sniff_animation",
]

MAX_ANIMATION_BYTES = 64 * 1024 * 1024
ANIMATION_MIMES = ("video/mp4", "video/webm", "image/gif")


@dataclass(frozen=True)
class MediaFile:
    """A file stored beside a token (the model, its ONNX export)."""

    path: Path
    data: bytes
    sha256: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Animation(MediaFile):
    mime: str
    duration: float  # seconds, rounded to milliseconds

    def record(self, cid: str) -> dict[str, Any]:
        """The metadata's ``provenance.animation``: committed through the metadata digest."""
        return {
            "cid": cid,
            "sha256": self.sha256.hex(),
            "mime": self.mime,
            "size": self.size,
            "duration": self.duration,
        }


def _read(path: Path, what: str, limit: int) -> bytes:
    if not path.is_file():
        raise InputError(f"{what} not found: {path}")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{what} {path} is empty")
    if size > limit:
        raise InputError(f"{what} {path} is {size / 2**20:.1f} MiB; the limit is {limit >> 20} MiB")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror}") from exc


def load_media_file(path: Path, what: str, *, limit: int = 1 << 30) -> MediaFile:
    data = _read(path, what, limit)
    return MediaFile(path=path, data=data, sha256=hashlib.sha256(data).digest())


def load_animation(path: Path) -> Animation:
    data = _read(path, "animation", MAX_ANIMATION_BYTES)
    mime, duration = sniff_animation(data)
    if duration is None:
        raise InputError(f"animation {path}: its {mime} container declares no duration")
    return Animation(
        path=path,
        data=data,
        sha256=hashlib.sha256(data).digest(),
        mime=mime,
        duration=round(duration, 3),
    )


def sniff_animation(data: bytes) -> tuple[str, float | None]:
    """(mime type, duration in seconds or None) from the bytes; InputError when the bytes are
    not an MP4, a WebM or a GIF."""
    try:
        if data[4:8] == b"ftyp":
            return "video/mp4", _mp4_duration(data)
        if data[:4] == b"\x1a\x45\xdf\xa3":
            return _webm(data)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return "image/gif", _gif_duration(data)
    except (struct.error, IndexError, ValueError, OSError) as exc:
        raise InputError(f"the animation's container is malformed: {exc}") from exc
    raise InputError("the animation is not an MP4, WebM or GIF file")


# -- MP4 (ISO BMFF): moov/mvhd ------------------------------------------------------------------


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, box end) of the boxes in data[start:end]."""
    found: list[tuple[bytes, int, int]] = []
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise ValueError(f"box {kind!r} at {pos} has a bad size")
        found.append((kind, pos + header, pos + size))
        pos += size
    return found


def _mp4_duration(data: bytes) -> float | None:
    for kind, start, end in _boxes(data, 0, len(data)):
        if kind != b"moov":
            continue
        for inner, body, _ in _boxes(data, start, end):
            if inner != b"mvhd":
                continue
            version = data[body]
            if version == 1:
                timescale, duration = struct.unpack(">IQ", data[body + 20 : body + 32])
            else:
                timescale, duration = struct.unpack(">II", data[body + 12 : body + 20])
            return duration / timescale if timescale else None
    return None


# -- WebM (Matroska EBML): Segment/Info ----------------------------------------------------------

_EBML_DOCTYPE, _SEGMENT, _INFO = 0x4282, 0x18538067, 0x1549A966
_TIMECODE_SCALE, _DURATION = 0x2AD7B1, 0x4489


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    """(value, next position, all value bits set = unknown size) of an EBML variable integer."""
    first = data[pos]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        raise ValueError(f"bad EBML integer at {pos}")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, pos + length, unknown


def _elements(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    found: list[tuple[int, int, int]] = []
    pos = start
    while pos < end:
        element, pos, _ = _vint(data, pos, keep_marker=True)
        size, pos, unknown = _vint(data, pos, keep_marker=False)
        stop = end if unknown else pos + size
        if stop > end:
            raise ValueError(f"EBML element 0x{element:x} overruns its parent")
        found.append((element, pos, stop))
        pos = stop
    return found


def _webm(data: bytes) -> tuple[str, float | None]:
    top = _elements(data, 0, len(data))
    header = top[0]
    doctype = next(
        (
            data[s:e].rstrip(b"\0")
            for el, s, e in _elements(data, header[1], header[2])
            if el == _EBML_DOCTYPE
        ),
        b"",
    )
    if doctype != b"webm":
        raise InputError(
            f"the animation is Matroska ({doctype.decode('ascii', 'replace')}), not WebM"
        )
    for element, start, end in top[1:]:
        if element != _SEGMENT:
            continue
        for child, body, stop in _elements(data, start, end):
            if child != _INFO:
                continue
            scale, duration = 1_000_000, None
            for field, s, e in _elements(data, body, stop):
                if field == _TIMECODE_SCALE:
                    scale = int.from_bytes(data[s:e], "big")
                elif field == _DURATION:
                    duration = struct.unpack(">f" if e - s == 4 else ">d", data[s:e])[0]
            return "video/webm", None if duration is None else duration * scale / 1e9
    return "video/webm", None


# -- GIF -----------------------------------------------------------------------------------------


def _gif_duration(data: bytes) -> float:
    from PIL import Image, ImageSequence

    total = 0
    with Image.open(io.BytesIO(data)) as image:
        for frame in ImageSequence.Iterator(image):
            total += int(frame.info.get("duration", 0))
    return total / 1000


def animation_claim(metadata: dict[str, Any]) -> dict[str, Any] | None:
    """The metadata's committed animation record, checked for shape; None when it has none.
    VerificationError when ``animation_url`` and the record disagree or the record is malformed."""
    from provenance.errors import VerificationError

    record = metadata.get("provenance", {}).get("animation")
    if record is None:
        return None
    fields = {"cid": str, "sha256": str, "mime": str, "size": int}
    if not isinstance(record, dict) or any(
        not isinstance(record.get(key), kind) or isinstance(record.get(key), bool)
        for key, kind in fields.items()
    ):
        raise VerificationError(
            "the animation record lacks cid, sha256, mime or size", check="animation"
        )
    if not 0 < record["size"] <= MAX_ANIMATION_BYTES:
        raise VerificationError(
            f"animation size {record['size']} is not a byte count up to {MAX_ANIMATION_BYTES}",
            check="animation",
        )
    if metadata.get("animation_url") != f"ipfs://{record['cid']}":
        raise VerificationError(
            f"animation_url {metadata.get('animation_url')} != ipfs://{record['cid']}",
            check="animation",
        )
    return record


def check_animation_bytes(record: dict[str, Any], data: bytes) -> tuple[bool, str]:
    """(ok, detail): the bytes read by the record's CID have its sha256, size and mime type."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != record["sha256"] or len(data) != record["size"]:
        return (
            False,
            f"animation bytes (sha256 {digest[:16]}..., {len(data)} bytes) differ from the record",
        )
    try:
        mime, _ = sniff_animation(data)
    except InputError as exc:
        return False, f"animation bytes: {exc}"
    if mime != record["mime"]:
        return False, f"the animation is {mime}, the record declares {record['mime']}"
    return True, f"{record['cid']} ({mime}, {len(data)} bytes, sha256 matches the record)"
