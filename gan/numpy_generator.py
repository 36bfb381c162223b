"""The generator's forward pass in numpy (float32): regeneration without JAX or Flax.

``verify --regenerate`` runs one image through the generator. With JAX that costs seconds of
import and compilation for milliseconds of arithmetic; this module imports in milliseconds, needs
only numpy, and follows ``gan.models.Generator`` op for op (the reference path, not the training
path's sub-pixel conv) in the order of ``flax.nnx``'s layers: pixel norm, Linear, GroupNorm
(E[x^2] - E[x]^2, clamped), GLU, nearest upsample + 3x3 SAME conv, skip-layer excitation, a 3x3
conv to RGB and tanh.

The pixels are not always bit-identical to JAX's: XLA sums a convolution in its own order and its
``log1p``/``rsqrt``/``tanh`` differ from numpy's in the last bit, so a uint8 value sitting on a
rounding edge can land one level away. ``gan.regenerate`` compares within a measured tolerance
(docs/verify.md); ``tests/gan/test_numpy_generator.py`` holds this module to JAX over many seeds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gan.architecture import g_channels, groups, sle_pairs, stages
from gan.configs.default import Config
from gan.errors import ModelFileError

__all__ = ["check_params", "forward", "generate"]

_EPSILON = 1e-6  # flax.nnx.GroupNorm's default
_F32 = np.float32


def _expected_shapes(config: Config) -> dict[str, tuple[int, ...]]:
    """Every parameter ``gan.models.Generator`` has for ``config``, by dotted path."""
    ngf, c4 = config.ngf, g_channels(4, config.ngf)
    shapes: dict[str, tuple[int, ...]] = {
        "init.kernel": (config.z_dim, 4 * 4 * c4 * 2),
        "init.bias": (4 * 4 * c4 * 2,),
        "init_norm.scale": (c4 * 2,),
        "init_norm.bias": (c4 * 2,),
    }
    for r in stages(config.resolution)[1:]:
        cin, cout = g_channels(r // 2, ngf), g_channels(r, ngf)
        shapes[f"up{r}.conv.kernel"] = (3, 3, cin, cout * 2)
        shapes[f"up{r}.norm.scale"] = (cout * 2,)
        shapes[f"up{r}.norm.bias"] = (cout * 2,)
    for lo, hi in sle_pairs(config.resolution):
        c_low, c_high = g_channels(lo, ngf), g_channels(hi, ngf)
        shapes[f"sle{lo}_{hi}.conv4.kernel"] = (4, 4, c_low, c_low)
        shapes[f"sle{lo}_{hi}.conv4.bias"] = (c_low,)
        shapes[f"sle{lo}_{hi}.conv1.kernel"] = (1, 1, c_low, c_high)
        shapes[f"sle{lo}_{hi}.conv1.bias"] = (c_high,)
    shapes["to_rgb.kernel"] = (3, 3, g_channels(config.resolution, ngf), 3)
    shapes["to_rgb.bias"] = (3,)
    return shapes


def _flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(tree, dict):
        return {prefix[:-1]: tree}
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        flat.update(_flatten(value, f"{prefix}{key}."))
    return flat


def check_params(params: Any, config: Config) -> dict[str, np.ndarray]:
    """The parameters as float32 arrays by dotted path, exactly the set and shapes the config
    implies; ``ModelFileError`` otherwise (as ``gan.sample.load_model`` refuses them)."""
    flat = _flatten(params) if isinstance(params, dict) else {}
    expected = _expected_shapes(config)
    if set(flat) != set(expected):
        missing, extra = sorted(set(expected) - set(flat)), sorted(set(flat) - set(expected))
        raise ModelFileError(
            f"parameters do not fit its config (missing {missing[:3]}, unexpected {extra[:3]})"
        )
    arrays: dict[str, np.ndarray] = {}
    for name, shape in expected.items():
        value = flat[name]
        if not isinstance(value, np.ndarray) or value.dtype != np.float32 or value.shape != shape:
            raise ModelFileError(f"parameters do not fit its config: {name} is not {shape} float32")
        arrays[name] = value
    return arrays


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(_F32(1.0) / (_F32(1.0) + np.exp(-x)))


def _glu(x: np.ndarray) -> np.ndarray:
    a, b = np.split(x, 2, axis=-1)
    return np.asarray(a * _sigmoid(b))


def _group_norm(x: np.ndarray, scale: np.ndarray, bias: np.ndarray) -> np.ndarray:
    n, h, w, c = x.shape
    g = groups(c)
    xg = x.reshape(n, h, w, g, c // g)
    mean = xg.mean(axis=(1, 2, 4), dtype=np.float32)
    mean2 = np.square(xg).mean(axis=(1, 2, 4), dtype=np.float32)
    var = np.maximum(_F32(0.0), mean2 - np.square(mean))
    mul = np.repeat(_F32(1.0) / np.sqrt(var + _F32(_EPSILON)), c // g, axis=-1) * scale
    y = x - np.repeat(mean, c // g, axis=-1)[:, None, None]
    return np.asarray(y * mul[:, None, None] + bias)


def _conv3x3_same(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """A 3x3 SAME conv (HWIO kernel) as one matrix product over (n, h, w) x (3 * 3 * cin)."""
    n, h, w, c = x.shape
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    patches = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(1, 2))  # n,h,w,c,3,3
    columns = patches.transpose(0, 1, 2, 4, 5, 3).reshape(n * h * w, 9 * c)
    return np.asarray((columns @ kernel.reshape(9 * c, -1)).reshape(n, h, w, -1))


def forward(arrays: dict[str, np.ndarray], config: Config, z: np.ndarray) -> np.ndarray:
    """(N, z_dim) latents -> (N, R, R, 3) float32 in [-1, 1], as ``Generator.__call__``."""
    p = arrays
    z = np.asarray(z, np.float32)
    z = z * (_F32(1.0) / np.sqrt(np.mean(z * z, axis=-1, keepdims=True) + _F32(1e-8)))
    x = (z @ p["init.kernel"] + p["init.bias"]).reshape(z.shape[0], 4, 4, -1)
    x = _glu(_group_norm(x, p["init_norm.scale"], p["init_norm.bias"]))
    feats = {4: x}
    for r in stages(config.resolution)[1:]:
        up = np.repeat(np.repeat(x, 2, axis=1), 2, axis=2)
        h = _conv3x3_same(up, p[f"up{r}.conv.kernel"])
        x = _glu(_group_norm(h, p[f"up{r}.norm.scale"], p[f"up{r}.norm.bias"]))
        for lo, hi in sle_pairs(config.resolution):
            if hi == r:
                x = _excite(p, f"sle{lo}_{hi}", feats[lo], x)
        feats[r] = x
    out: np.ndarray = np.tanh(_conv3x3_same(x, p["to_rgb.kernel"]) + p["to_rgb.bias"])
    return out


def _excite(p: dict[str, np.ndarray], name: str, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Skip-layer excitation: ``low`` pooled to 4x4 gates the channels of ``high``."""
    n, h, w, c = low.shape
    pooled = low.reshape(n, 4, h // 4, 4, w // 4, c).mean(axis=(2, 4), dtype=np.float32)
    hidden = pooled.reshape(n, 16 * c) @ p[f"{name}.conv4.kernel"].reshape(16 * c, c)
    hidden = hidden + p[f"{name}.conv4.bias"]
    hidden = hidden * _sigmoid(hidden)  # silu
    kernel = p[f"{name}.conv1.kernel"]
    gate = _sigmoid(hidden @ kernel.reshape(kernel.shape[2], -1) + p[f"{name}.conv1.bias"])
    return np.asarray(high * gate[:, None, None])


def generate(
    arrays: dict[str, np.ndarray], config: Config, seed: int, *, truncation: float | None = None
) -> np.ndarray:
    """The (R, R, 3) uint8 image of ``seed``, as ``gan.sample.generate`` draws it."""
    from gan.numpy_random import latent
    from gan.pixels import to_uint8

    z = latent(seed, config.z_dim, truncation=truncation)
    image: np.ndarray = to_uint8(forward(arrays, config, z[None]))[0]
    return image
