"""Training images: a folder (recursive) or a built-in set, as one cached float32 array.

Images are centre-cropped to a square, resized to the model resolution, converted to RGB and
scaled to [-1, 1] (NHWC). Unreadable files are skipped and counted, never fatal. The prepared
array is cached as ``.npy`` keyed by the file list, sizes, mtimes and resolution, so a second
run over the same folder skips decoding.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from gan.errors import DataError

__all__ = ["BUILTINS", "IMAGE_SUFFIXES", "Dataset", "batch_indices", "load_dataset"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
BUILTINS = ("lfw", "digits")


@dataclass(frozen=True)
class Dataset:
    images: np.ndarray  # (N, R, R, 3) float32 in [-1, 1]
    source: str
    skipped: int  # files that could not be decoded
    cached: bool  # True when read from the cache


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


def _list_images(folder: Path) -> list[Path]:
    files = [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    return sorted(files)


def _cache_key(files: list[Path], resolution: int) -> str:
    digest = hashlib.sha256(f"v1:{resolution}".encode())
    for path in files:
        stat = path.stat()
        digest.update(f"\0{path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def load_dataset(spec: str, resolution: int, *, cache_dir: Path | None = None) -> Dataset:
    """Load ``builtin:NAME`` or a folder of PNG/JPEG/WebP images at ``resolution``."""
    if spec.startswith("builtin:"):
        pixels = _builtin(spec.removeprefix("builtin:"), resolution)
        return Dataset(_scale(pixels), spec, skipped=0, cached=False)
    folder = Path(spec)
    if not folder.is_dir():
        raise DataError(f"data folder not found: {folder}")
    files = _list_images(folder)
    if not files:
        raise DataError(f"no PNG/JPEG/WebP images under {folder}")
    cache_path = None
    if cache_dir is not None:
        cache_path = cache_dir / f"images-{resolution}-{_cache_key(files, resolution)}.npz"
        if cache_path.is_file():
            with np.load(cache_path) as cached:
                return Dataset(
                    _scale(cached["pixels"]), spec, skipped=int(cached["skipped"]), cached=True
                )
    arrays, skipped = [], 0
    for path in files:
        try:
            with Image.open(path) as img:
                arrays.append(_to_square(img, resolution))
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            skipped += 1  # corrupt, truncated or not an image: counted, not fatal
    if not arrays:
        raise DataError(f"none of the {len(files)} image files under {folder} could be read")
    pixels = np.stack(arrays)
    if cache_path is not None:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_path.with_name(f".{cache_path.name}.{os.getpid()}.tmp.npz")
        np.savez(tmp, pixels=pixels, skipped=np.int64(skipped))
        os.replace(tmp, cache_path)
    return Dataset(_scale(pixels), spec, skipped=skipped, cached=False)


def _scale(pixels: np.ndarray) -> np.ndarray:
    return (pixels.astype(np.float32) / 127.5 - 1.0).astype(np.float32)


def batch_indices(num_images: int, batch_size: int, *, seed: int, step: int) -> np.ndarray:
    """The image indices of training step ``step``: a pure function of (seed, step), so a
    resumed run sees exactly the batches an uninterrupted one would."""
    rng = np.random.default_rng([seed, step])
    return rng.choice(num_images, size=batch_size, replace=num_images < batch_size)
