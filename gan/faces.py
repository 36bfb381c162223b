"""A metric that sees faces: dlib's 128-D face descriptors (``dlib_face_recognition_resnet_model_v1``,
CC0), Frechet distance and KID in that space, and the memorisation check.

Every image here is already a face crop (a training image, centre-cropped or aligned, or a GAN
sample at 32-256 px, too small for dlib's detector), so no detection runs: the image is upscaled to
``CHIP`` pixels, the five-point model places the landmarks inside the whole frame, and dlib's own
``get_face_chip`` cuts the aligned 150 px chip the descriptor network expects. Real and generated
images go through exactly the same path.

The descriptor network was trained so that two photographs of one person are closer than
``SAME_PERSON`` (0.6, dlib's documented threshold): a generated work that close to a training face
shows a real sitter, a privacy problem, and is flagged.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from gan.metrics import frechet_distance, kid

__all__ = [
    "CHIP",
    "DETECT_SIZE",
    "SAME_PERSON",
    "FaceScores",
    "Memorisation",
    "cached_descriptors",
    "compare_faces",
    "contains_face",
    "face_descriptors",
    "nearest_training_face",
]

CHIP = 150
SAME_PERSON = 0.6
# Small works are scaled up before detection: dlib's HOG detector looks for faces of about 80 px.
DETECT_SIZE = 128


@functools.cache
def _models() -> tuple[Any, Any]:
    import dlib
    import face_recognition_models as models

    return (
        dlib.shape_predictor(models.pose_predictor_five_point_model_location()),
        dlib.face_recognition_model_v1(models.face_recognition_model_location()),
    )


def _chip(rgb: np.ndarray) -> np.ndarray:
    import dlib

    predictor, _ = _models()
    big = np.asarray(Image.fromarray(rgb).resize((CHIP, CHIP), Image.Resampling.BICUBIC))
    shape = predictor(big, dlib.rectangle(0, 0, CHIP - 1, CHIP - 1))
    return np.asarray(dlib.get_face_chip(big, shape, size=CHIP, padding=0.25))


def contains_face(images: np.ndarray, *, size: int = DETECT_SIZE, upsample: int = 1) -> np.ndarray:
    """(N,) bool: whether dlib's HOG frontal-face detector finds a face in each image, resized
    bicubic to ``size`` px and searched at ``upsample`` doublings. A quality signal for a face
    GAN: run real and generated images through exactly this path and compare the rates."""
    detector = _detector()
    found = []
    for im in _as_uint8(images):
        big = np.asarray(Image.fromarray(im).resize((size, size), Image.Resampling.BICUBIC))
        found.append(len(detector(big, upsample)) > 0)
    return np.asarray(found, dtype=bool)


@functools.cache
def _detector() -> Any:
    import dlib

    return dlib.get_frontal_face_detector()


def _as_uint8(images: np.ndarray) -> np.ndarray:
    x = np.asarray(images)
    if x.dtype != np.uint8:
        x = np.clip(np.rint((x + 1.0) * 127.5), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(x)


def face_descriptors(images: np.ndarray, *, batch: int = 32) -> np.ndarray:
    """(N, R, R, 3) face crops (uint8, or float in [-1, 1]) -> (N, 128) float64 descriptors."""
    x = _as_uint8(images)
    _, encoder = _models()
    out = []
    for start in range(0, len(x), batch):
        chips = [_chip(np.ascontiguousarray(im)) for im in x[start : start + batch]]
        out += [np.asarray(d, dtype=np.float64) for d in encoder.compute_face_descriptor(chips)]
    return np.stack(out) if out else np.zeros((0, 128))


@dataclass(frozen=True)
class Memorisation:
    distances: np.ndarray  # (N,) each generated face's distance to its nearest training face
    nearest: np.ndarray  # (N,) index of that training face

    @property
    def flagged(self) -> np.ndarray:
        """Indices of the works closer than the same-person threshold to a training face."""
        return np.flatnonzero(self.distances < SAME_PERSON)


def nearest_training_face(generated: np.ndarray, training: np.ndarray) -> Memorisation:
    """Nearest training descriptor (Euclidean, as dlib compares faces) of each generated one."""
    d2 = (
        (generated**2).sum(1)[:, None]
        + (training**2).sum(1)[None, :]
        - 2.0 * generated @ training.T
    )
    dist = np.sqrt(np.maximum(d2, 0.0))
    nearest = dist.argmin(1)
    return Memorisation(dist[np.arange(len(dist)), nearest], nearest)


@dataclass(frozen=True)
class FaceScores:
    fd: float
    kid: float
    fd_floor: float  # two halves of the real faces: what a perfect generator could expect
    kid_floor: float
    memorisation: Memorisation
    n_real: int
    n_fake: int


def compare_faces(
    real: np.ndarray,
    fake: np.ndarray,
    *,
    seed: int = 0,
    real_descriptors: np.ndarray | None = None,
) -> FaceScores:
    """FD and KID between real and generated faces in descriptor space, the real-vs-real floor,
    and each generated face's nearest training face."""
    fr = face_descriptors(real) if real_descriptors is None else real_descriptors
    ff = face_descriptors(fake)
    perm = np.random.default_rng(seed).permutation(len(fr))
    half = len(fr) // 2
    a, b = fr[perm[:half]], fr[perm[half : 2 * half]]
    return FaceScores(
        fd=frechet_distance(fr, ff),
        kid=kid(fr, ff, seed=seed),
        fd_floor=frechet_distance(a, b),
        kid_floor=kid(a, b, seed=seed),
        memorisation=nearest_training_face(ff, fr),
        n_real=len(fr),
        n_fake=len(ff),
    )


def cached_descriptors(images: np.ndarray, cache_dir: Path | None) -> np.ndarray:
    """``face_descriptors(images)``, kept in ``cache_dir`` under the sha256 of the pixels: the
    training faces are described once, not at every ``gan generate``."""
    if cache_dir is None:
        return face_descriptors(images)
    key = hashlib.sha256(np.ascontiguousarray(images).tobytes()).hexdigest()[:32]
    path = Path(cache_dir) / f"faces-{key}.npy"
    if path.is_file():
        return np.asarray(np.load(path), dtype=np.float64)
    descriptors = face_descriptors(images)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npy")
    np.save(tmp, descriptors)
    os.replace(tmp, path)
    return descriptors
