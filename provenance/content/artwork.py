"""An artwork file, validated: an image Pillow decodes (PNG, JPEG or WebP), within the size limit."""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, UnidentifiedImageError

from provenance.content.generation import read_generation_record
from provenance.content.metadata import build_metadata
from provenance.errors import InputError

if TYPE_CHECKING:
    from provenance.content.fingerprint import Fingerprint, PreparedFingerprint

__all__ = ["MAX_ARTWORK_BYTES", "Artwork", "load_artwork"]

MAX_ARTWORK_BYTES = 64 * 1024 * 1024
_MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


@dataclass(frozen=True)
class Artwork:
    path: Path
    data: bytes
    sha256: bytes
    mime: str
    width: int
    height: int
    generation: dict[str, Any] | None
    # The pixels' fingerprint, prepared from the decode that checked the file (one decode a work)
    # and completed when the metadata is built, or for a window of works at once (mint-batch);
    # neither: computed from ``data``.
    prepared: PreparedFingerprint | None = None
    fingerprint: Fingerprint | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def metadata(
        self,
        *,
        image_cid: str,
        donor: str,
        name: str | None = None,
        description: str = "",
        attributes: Sequence[Mapping[str, Any]] = (),
        sealed_message: Mapping[str, Any] | None = None,
        animation_url: str | None = None,
        external_url: str | None = None,
        credentials: Mapping[str, Any] | None = None,
        animation: Mapping[str, Any] | None = None,
        onnx: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The token metadata of this artwork (its image fields and generation record filled
        in); ``name`` defaults to the file name. ``onnx`` (``{"cid", "sha256"}`` of the model's
        ONNX export) is added to the generation record, which must exist."""
        generator = self.generation
        if onnx is not None:
            if generator is None:
                raise InputError(f"{self.path} has no generation record to name an ONNX model in")
            generator = {**generator, "onnx": dict(onnx)}
        from provenance.content.fingerprint import fingerprint_of_bytes, fingerprints_of

        fingerprint = self.fingerprint
        if fingerprint is None and self.prepared is not None:
            (fingerprint,) = fingerprints_of([self.prepared])
        elif fingerprint is None:
            fingerprint = fingerprint_of_bytes(self.data, what=str(self.path))
        return build_metadata(
            name=name or self.path.stem,
            description=description,
            image_cid=image_cid,
            image_sha256=self.sha256,
            mime=self.mime,
            size=self.size,
            width=self.width,
            height=self.height,
            donor=donor,
            attributes=attributes,
            generator=generator,
            sealed_message=sealed_message,
            animation_url=animation_url,
            external_url=external_url,
            credentials=credentials,
            animation=animation,
            fingerprint=fingerprint.record(),
        )


def load_artwork(path: Path, *, fingerprint: bool = False) -> Artwork:
    """The artwork at ``path``, read once and decoded once (``InputError`` naming what is wrong).
    ``fingerprint``: also what its pixels' fingerprint is computed from, from that same decode
    (for a mint: the metadata records the fingerprint)."""
    if not path.exists():
        raise InputError(f"artwork not found: {path}")
    if not path.is_file():
        raise InputError(f"artwork is not a file: {path}")
    size = path.stat().st_size
    if size > MAX_ARTWORK_BYTES:
        raise InputError(
            f"artwork {path} is {size / 2**20:.1f} MiB; the limit is {MAX_ARTWORK_BYTES // 2**20} MiB"
        )
    if size == 0:
        raise InputError(f"artwork {path} is empty")
    data = path.read_bytes()
    prepared = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Decoded from the bytes read (not the file again): they are what is hashed and stored.
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format or ""
                width, height = image.size
                generation = read_generation_record(image)
                image.load()  # decode every pixel: a truncated file fails here, not later
                if fingerprint and fmt in _MIME:
                    from provenance.content.fingerprint import prepare_fingerprint

                    prepared = prepare_fingerprint(image)
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise InputError(
            f"{path} is not an image Pillow can decode ({exc.__class__.__name__})"
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"{path} is not a valid image: {exc}") from exc
    if fmt not in _MIME:
        raise InputError(
            f"{path} is {fmt or 'an unknown format'}; artworks must be PNG, JPEG or WebP"
        )
    return Artwork(
        path=path,
        data=data,
        sha256=hashlib.sha256(data).digest(),
        mime=_MIME[fmt],
        width=width,
        height=height,
        generation=generation,
        prepared=prepared,
    )
