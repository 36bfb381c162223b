"""Training images: a folder (recursive) or a built-in set, as one cached float32 array.

Photographs are taken as a camera or an editor writes them: the EXIF orientation is applied, an
embedded ICC profile is converted to sRGB, CMYK, 16-bit, greyscale, palette and alpha images become
8-bit sRGB RGB (transparency composited on white). Then each image is centre-cropped to a square
(or aligned on the face, ``gan.align``), resized to the model resolution and scaled to [-1, 1]
(NHWC). A file that cannot be used is skipped, never fatal, and named with its reason. The prepared
array is cached as ``.npz`` keyed by the file list, sizes, mtimes and preprocessing, so a second
run over the same folder skips decoding.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from gan.errors import DataError

__all__ = [
    "BUILTINS",
    "IMAGE_SUFFIXES",
    "Dataset",
    "Skipped",
    "batch_indices",
    "list_images",
    "load_dataset",
    "to_srgb",
    "training_record",
]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
BUILTINS = ("lfw", "digits")


@dataclass(frozen=True)
class Skipped:
    path: str  # relative to the data folder
    reason: str


@dataclass(frozen=True)
class Dataset:
    images: np.ndarray  # (N, R, R, 3) float32 in [-1, 1]
    source: str
    skipped: int  # files that could not be used
    cached: bool  # True when read from the cache
    skipped_files: tuple[Skipped, ...] = ()
    used_files: tuple[str, ...] = ()  # relative paths of the images kept, in array order
    preprocessing: dict[str, object] = field(default_factory=dict)


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _sixteen_bit_to_8(img: Image.Image) -> Image.Image:
    # Pillow's convert("L") clips 16-bit values at 255 (a white image): scale instead.
    values = np.asarray(img, dtype=np.float64)
    top = 65535.0 if values.max(initial=0) > 255 else 255.0
    return Image.fromarray(np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8), mode="L")


def to_srgb(img: Image.Image) -> Image.Image:
    """Any decoded image -> upright 8-bit sRGB ``RGB``: EXIF orientation applied, an ICC profile
    converted to sRGB, 16-bit/greyscale/palette/CMYK converted, transparency composited on white.
    Raises ``ValueError`` for a mode it cannot interpret."""
    img = ImageOps.exif_transpose(img)
    icc = img.info.get("icc_profile")
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        img = _sixteen_bit_to_8(img)
    elif img.mode == "F":
        raise ValueError("floating-point pixels (mode F) have no defined range")
    if img.mode in ("P", "PA"):
        img = img.convert("RGBA")
    elif img.mode == "1":
        img = img.convert("L")
    alpha = None
    if img.mode in ("RGBA", "LA", "RGBa", "La"):
        alpha = img.getchannel("A")
        img = img.convert(img.mode[0] if img.mode[0] == "L" else "RGB")
    if icc and img.mode in ("RGB", "L", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            img = ImageCms.profileToProfile(img, source, _SRGB, outputMode="RGB") or img
        except (ImageCms.PyCMSError, OSError):
            pass  # an unreadable or mismatched profile: its numbers are taken as sRGB
    img = img.convert("RGB")
    if alpha is not None:
        white = Image.new("RGB", img.size, (255, 255, 255))
        img = Image.composite(img, white, alpha)
    return img


def _to_square(img: Image.Image, resolution: int) -> np.ndarray:
    img = img.convert("RGB")
    w, h = img.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    img = img.crop((left, top, left + side, top + side))
    img = img.resize((resolution, resolution), Image.Resampling.LANCZOS)
    return np.asarray(img, dtype=np.uint8)


def _from_gray(batch: np.ndarray, resolution: int) -> np.ndarray:
    """(N, h, w) floats in [0, 1] -> (N, R, R, 3) uint8, via the same square/resize path."""
    out = []
    for gray in batch:
        img = Image.fromarray(np.clip(gray * 255.0 + 0.5, 0, 255).astype(np.uint8), mode="L")
        out.append(_to_square(img, resolution))
    return np.stack(out)


def _builtin(name: str, resolution: int) -> np.ndarray:
    if name == "lfw":
        # scikit-image ships 200 25x25 crops in the wheel: the first 100 are faces, the rest not.
        from skimage.data import lfw_subset

        return _from_gray(lfw_subset()[:100], resolution)  # type: ignore[no-untyped-call]
    if name == "digits":
        from sklearn.datasets import load_digits

        return _from_gray(load_digits().images / 16.0, resolution)
    raise DataError(f"unknown built-in data set {name!r} (known: {', '.join(BUILTINS)})")


def list_images(folder: Path) -> list[Path]:
    """The image files under ``folder`` (recursive, by suffix; dotfiles skipped), sorted."""
    files = [
        p
        for p in Path(folder).rglob("*")
        if p.is_file()
        and p.suffix.lower() in IMAGE_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(files)


def _cache_key(files: list[Path], resolution: int, prep: str) -> str:
    digest = hashlib.sha256(f"v2:{resolution}:{prep}".encode())
    for path in files:
        stat = path.stat()
        digest.update(f"\0{path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


Preparer = Callable[[Image.Image, int], np.ndarray]


def load_dataset(
    spec: str,
    resolution: int,
    *,
    cache_dir: Path | None = None,
    align: str = "centre",
    shard: tuple[int, int] = (0, 1),
) -> Dataset:
    """Load ``builtin:NAME`` or a folder of PNG/JPEG/WebP images at ``resolution``.

    ``align``: ``"centre"`` (centre crop) or ``"faces"`` (FFHQ-style face alignment; an image with
    no face or several faces is skipped with that reason). ``shard=(k, n)``: only the files with
    index % n == k in the sorted list (one process's share in multi-host training)."""
    index, count = shard
    if not 0 <= index < count:
        raise DataError(f"shard {index} of {count} does not exist")
    prepare: Preparer
    if align == "centre":
        prepare = _to_square
    elif align == "faces":
        from gan.align import align_face

        prepare = align_face
    else:
        raise DataError(f"unknown alignment {align!r} (known: centre, faces)")
    preprocessing: dict[str, object] = {"resolution": resolution, "crop": align}
    if spec.startswith("builtin:"):
        if align != "centre":
            raise DataError("--align faces needs a folder of photographs, not a built-in set")
        pixels = _builtin(spec.removeprefix("builtin:"), resolution)[index::count]
        return Dataset(_scale(pixels), spec, skipped=0, cached=False, preprocessing=preprocessing)
    folder = Path(spec)
    if not folder.is_dir():
        raise DataError(f"data folder not found: {folder}")
    files = list_images(folder)
    if not files:
        raise DataError(f"no PNG/JPEG/WebP images under {folder}")
    files = files[index::count]
    if not files:
        raise DataError(f"shard {index} of {count} holds none of the images under {folder}")
    cache_path = None
    if cache_dir is not None:
        key = _cache_key(files, resolution, f"{align}:{index}/{count}")
        cache_path = cache_dir / f"images-{resolution}-{key}.npz"
        if cache_path.is_file():
            with np.load(cache_path) as cached:
                meta = json.loads(str(cached["meta"]))
                return Dataset(
                    _scale(cached["pixels"]),
                    spec,
                    skipped=len(meta["skipped"]),
                    cached=True,
                    skipped_files=tuple(Skipped(p, r) for p, r in meta["skipped"]),
                    used_files=tuple(meta["used"]),
                    preprocessing=preprocessing,
                )
    arrays: list[np.ndarray] = []
    used: list[str] = []
    skipped: list[Skipped] = []
    for path in files:
        name = path.relative_to(folder).as_posix()
        try:
            with Image.open(path) as img:
                img.load()
                arrays.append(prepare(to_srgb(img), resolution))
                used.append(name)
        except Image.DecompressionBombError:
            skipped.append(Skipped(name, "too many pixels (decompression bomb limit)"))
        except UnidentifiedImageError:
            skipped.append(Skipped(name, "not an image Pillow can read"))
        except DataError as exc:  # the aligner's verdict: no face, several faces
            skipped.append(Skipped(name, str(exc)))
        except (OSError, ValueError, SyntaxError) as exc:
            skipped.append(Skipped(name, f"corrupt or truncated ({exc})"))
    if not arrays:
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:3])
        raise DataError(
            f"none of the {len(files)} image files under {folder} could be used ({reasons})"
        )
    pixels = np.stack(arrays)
    if cache_path is not None:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_path.with_name(f".{cache_path.name}.{os.getpid()}.tmp.npz")
        meta_text = json.dumps({"skipped": [[x.path, x.reason] for x in skipped], "used": used})
        np.savez(tmp, pixels=pixels, meta=np.array(meta_text))
        os.replace(tmp, cache_path)
    return Dataset(
        _scale(pixels),
        spec,
        skipped=len(skipped),
        cached=False,
        skipped_files=tuple(skipped),
        used_files=tuple(used),
        preprocessing=preprocessing,
    )


def training_record(
    dataset: Dataset, *, data_cid: str | None = None, cid_profile: str | None = None
) -> dict[str, object]:
    """What a model was trained on, as its export and every artwork's record carry it:
    ``{"source", "cid"?, "cid_profile"?, "images", "skipped", "preprocessing"}``.

    ``data_cid`` is the CID of the data folder as a UnixFS directory (``provenance ipfs add -r``,
    computed by the caller: ``gan`` has no IPFS importer of its own). A built-in set is named
    instead. The folder's local path is left out: it says nothing to anyone else and may say too
    much (a user name)."""
    record: dict[str, object] = {
        "source": dataset.source if dataset.source.startswith("builtin:") else "folder",
        "images": len(dataset.images),
        "skipped": int(dataset.skipped),
        "preprocessing": dict(dataset.preprocessing),
    }
    if data_cid is not None:
        record["cid"] = data_cid
        if cid_profile is not None:
            record["cid_profile"] = cid_profile
    return record


def _scale(pixels: np.ndarray) -> np.ndarray:
    return (pixels.astype(np.float32) / 127.5 - 1.0).astype(np.float32)


def batch_indices(
    num_images: int, batch_size: int, *, seed: int, step: int, shard: int | None = None
) -> np.ndarray:
    """The image indices of training step ``step``: a pure function of (seed, step[, shard]), so
    a resumed run sees exactly the batches an uninterrupted one would, whichever process draws
    them."""
    rng = np.random.default_rng([seed, step] if shard is None else [seed, step, shard])
    return rng.choice(num_images, size=batch_size, replace=num_images < batch_size)
