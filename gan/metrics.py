"""Frechet distance and KID in a fixed feature space.

Feature space: no installed package ships pretrained image-network weights (the Inception weights
of FID are a download, and torchvision is not a dependency), so the features come from a FIXED
RANDOM-WEIGHT conv net: four 3x3 conv layers (32, 64, 128, 256 channels, stride 2, ReLU,
He-normal weights) whose weights are drawn with ``jax.random.key(FEATURE_SEED)`` (threefry: the same
weights on every machine and JAX version that keeps the threefry stream). Images are resized to
64x64 first; each layer contributes its channel means and standard deviations (960 dims).
Random conv features are a known, weaker but honest stand-in for Inception features: they capture
colour, texture and layout statistics, not semantics, so only compare numbers measured with this
module, and always next to the real-vs-real floor.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg

__all__ = ["FEATURE_SEED", "FidKid", "compare", "features", "frechet_distance", "kid"]

FEATURE_SEED = 20210611
_WIDTHS = (32, 64, 128, 256)
_SIZE = 64


def _weights() -> list[jax.Array]:
    keys = jax.random.split(jax.random.key(FEATURE_SEED), len(_WIDTHS))
    cin, out = 3, []
    for key, cout in zip(keys, _WIDTHS, strict=True):
        out.append(jax.random.normal(key, (3, 3, cin, cout)) * np.sqrt(2.0 / (9 * cin)))
        cin = cout
    return out


@jax.jit
def _features(images: jax.Array, weights: list[jax.Array]) -> jax.Array:
    x = jax.image.resize(images, (images.shape[0], _SIZE, _SIZE, 3), "bilinear")
    feats = []
    for w in weights:
        x = jax.nn.relu(
            jax.lax.conv_general_dilated(
                x, w, (2, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
            )
        )
        feats += [x.mean(axis=(1, 2)), x.std(axis=(1, 2))]
    return jnp.concatenate(feats, axis=-1)


def features(images: np.ndarray, *, batch: int = 64) -> np.ndarray:
    """(N, H, W, 3) images in [-1, 1] (or uint8) -> (N, 960) float64 features."""
    x = np.asarray(images)
    if x.dtype == np.uint8:
        x = x.astype(np.float32) / 127.5 - 1.0
    w = _weights()
    parts = [
        np.asarray(_features(jnp.asarray(x[i : i + batch], jnp.float32), w))
        for i in range(0, len(x), batch)
    ]
    return np.concatenate(parts).astype(np.float64)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # With fewer images than feature dimensions the covariances are singular: expected here, so
    # scipy's warning is silenced, and a tiny ridge is added if the square root is not finite.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        covmean = scipy.linalg.sqrtm(s1 @ s2)
        if not np.isfinite(covmean).all():
            ridge = np.eye(len(s1)) * 1e-6
            covmean = scipy.linalg.sqrtm((s1 + ridge) @ (s2 + ridge))
    covmean = np.real(covmean)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2.0 * covmean))


def kid(
    a: np.ndarray, b: np.ndarray, *, subsets: int = 20, subset_size: int = 50, seed: int = 0
) -> float:
    """Kernel Inception Distance (unbiased MMD^2, cubic polynomial kernel), mean over subsets."""
    d = a.shape[1]
    m = min(subset_size, len(a), len(b))
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        kxx, kyy, kxy = ((x @ x.T) / d + 1) ** 3, ((y @ y.T) / d + 1) ** 3, ((x @ y.T) / d + 1) ** 3
        vals.append(
            (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
            + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
            - 2 * kxy.mean()
        )
    return float(np.mean(vals))


@dataclass(frozen=True)
class FidKid:
    fd: float
    kid: float
    fd_floor: float  # real half vs real half: the best a perfect generator could expect
    kid_floor: float
    n_real: int
    n_fake: int


def compare(real: np.ndarray, fake: np.ndarray, *, seed: int = 0) -> FidKid:
    """FD and KID between real and generated images, plus the real-vs-real floor (two halves)."""
    fr, ff = features(real), features(fake)
    perm = np.random.default_rng(seed).permutation(len(fr))
    half = len(fr) // 2
    a, b = fr[perm[:half]], fr[perm[half : 2 * half]]
    return FidKid(
        fd=frechet_distance(fr, ff),
        kid=kid(fr, ff, seed=seed),
        fd_floor=frechet_distance(a, b),
        kid_floor=kid(a, b, seed=seed),
        n_real=len(fr),
        n_fake=len(ff),
    )
