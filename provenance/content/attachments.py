"""The files a token carries besides its still, for ``mint``, ``offer`` and ``mint-batch``.

- ``--animation FILE``: stored and pinned; ``animation_url`` = ``ipfs://CID`` and the metadata's
  ``provenance.animation`` holds its CID, sha256, mime type, size and duration.
- ``--model FILE``: the model file the artwork's generation record names (by sha256, checked
  here): stored and pinned, so that ``ipfs cat <model CID>`` and ``publish`` find it.
- ``--onnx FILE``: the model's ONNX export (``provenance gan export-onnx``), stored and pinned and
  named in the generation record as ``"onnx": {"cid", "sha256"}`` (the gallery's live portrait).
  Given explicitly, never picked up from beside the model: a token commits to it for good, so a
  stale export lying in a folder must not slip in. The export names the sha256 of the model it
  came from in its ``metadata_props``; an ONNX file that does not name the record's model is
  refused.

A value type in ``content/`` because the mint, offer and batch workflows all build on it (no
workflow imports a sibling); ``Attachments.store`` writes to the blockstore the caller locked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.content.artwork import Artwork
from provenance.content.media import Animation, MediaFile, load_animation, load_media_file
from provenance.content.metadata import CONTENT_PROFILE
from provenance.errors import InputError

if TYPE_CHECKING:
    from provenance.ipfs import Blockstore

__all__ = ["Attachments", "load_attachments"]


def _cid(data: bytes) -> str:
    from provenance.ipfs import add_bytes

    return str(add_bytes(data, store=None, params=CONTENT_PROFILE).cid)


@dataclass(frozen=True)
class Attachments:
    animation: Animation | None = None
    animation_cid: str | None = None
    model: MediaFile | None = None
    model_cid: str | None = None
    onnx: MediaFile | None = None
    onnx_cid: str | None = None

    @property
    def animation_url(self) -> str | None:
        return f"ipfs://{self.animation_cid}" if self.animation_cid else None

    def metadata_fields(self) -> dict[str, Any]:
        """Keyword arguments for ``Artwork.metadata``."""
        fields: dict[str, Any] = {}
        if self.animation is not None and self.animation_cid:
            fields["animation"] = self.animation.record(self.animation_cid)
        if self.onnx is not None and self.onnx_cid:
            fields["onnx"] = {"cid": self.onnx_cid, "sha256": self.onnx.sha256.hex()}
        return fields

    def files(self) -> list[tuple[str, MediaFile, str]]:
        """(CID, file, what) of every file to store."""
        named = [
            (self.animation_cid, self.animation, "animation"),
            (self.model_cid, self.model, "model"),
            (self.onnx_cid, self.onnx, "onnx"),
        ]
        return [(cid, file, what) for cid, file, what in named if cid and file is not None]

    def store(self, store: Blockstore) -> list[str]:
        """Add and pin every file; their CIDs."""
        return [
            store.add_pinned(file.data, params=CONTENT_PROFILE, expect=cid)
            for cid, file, _what in self.files()
        ]


def _find_model(run: Path, sha256_hex: str) -> Path:
    """The export in a training run folder (``exports/*.msgpack``, as ``gan train`` writes them)
    whose sha256 is the one the generation record names."""
    import hashlib

    candidates = sorted(run.glob("exports/*.msgpack")) + sorted(run.glob("*.msgpack"))
    for path in candidates:
        if hashlib.sha256(path.read_bytes()).hexdigest() == sha256_hex:
            return path
    raise InputError(
        f"no model in {run} (exports/*.msgpack) has the sha256 {sha256_hex[:16]}... that the"
        " generation record names"
    )


def load_attachments(
    artwork: Artwork,
    *,
    animation: Path | None = None,
    model: Path | None = None,
    onnx: Path | None = None,
) -> Attachments:
    """Read and check the files; InputError on the first problem, before anything is stored."""
    record = artwork.generation
    if (model is not None or onnx is not None) and record is None:
        raise InputError(
            f"{artwork.path} has no generation record: --model and --onnx need one that names"
            " the model"
        )
    model_sha = str(record["model"]["sha256"]) if record is not None else ""
    fields: dict[str, Any] = {}
    if animation is not None:
        clip = load_animation(animation)
        fields.update(animation=clip, animation_cid=_cid(clip.data))
    if model is not None:
        if model.is_dir():
            model = _find_model(model, model_sha)
        weights = load_media_file(model, "model")
        if weights.sha256.hex() != model_sha:
            raise InputError(
                f"model {model} has sha256 {weights.sha256.hex()[:16]}..., but the generation"
                f" record of {artwork.path.name} names {model_sha[:16]}..."
            )
        cid = _cid(weights.data)
        assert record is not None
        named = record["model"].get("cid")
        if named is not None and named != cid:
            raise InputError(f"model {model} has CID {cid}; the generation record names {named}")
        fields.update(model=weights, model_cid=cid)
    if onnx is not None:
        export = load_media_file(onnx, "ONNX model")
        if model_sha.encode() not in export.data:
            raise InputError(
                f"{onnx} does not name model sha256 {model_sha[:16]}... in its metadata: it was"
                " not exported from the model this artwork's generation record names"
            )
        fields.update(onnx=export, onnx_cid=_cid(export.data))
    return Attachments(**fields)
