"""FastGAN-style generator and discriminator (Liu et al., 2021, "Towards faster and stabilized
GAN training for high-fidelity few-shot image synthesis"), sized for 32 to 256 px on a CPU.

Generator: z -> 4x4 -> (nearest upsample, 3x3 conv, GroupNorm, GLU) per doubling -> 3x3 conv ->
tanh, with skip-layer excitation (SLE): a 4x4-pooled low-resolution feature map gates the channels
of the map four times larger. No ConvTranspose (its backward pass is pathologically slow on CPU
XLA). GroupNorm instead of FastGAN's BatchNorm: per-sample, so no batch statistics to carry, and
the output does not depend on how the batch is sharded across devices.

Discriminator: 3x3 conv from RGB, then down blocks (strided 4x4 conv beside an average-pool 1x1
shortcut, FastGAN's ``DownBlockComp``) to 4x4, then a 4x4 valid conv to one logit per image.
FastGAN's auxiliary reconstruction decoder is left out: DiffAugment alone carries the small-data
regime here (see README).

Sub-modules live in named attributes (``up8``, ``sle4_16``), so the parameter tree is a dict of
strings: Orbax- and msgpack-friendly.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx

__all__ = ["Discriminator", "Generator", "d_channels", "g_channels", "sle_pairs", "stages"]


def stages(resolution: int) -> list[int]:
    """Feature-map sizes from 4 up to ``resolution``."""
    sizes, r = [], 4
    while r <= resolution:
        sizes.append(r)
        r *= 2
    return sizes


def g_channels(r: int, ngf: int) -> int:
    return int(min(ngf * 4, max(16, ngf * 32 // r)))


def d_channels(r: int, ndf: int) -> int:
    return int(min(ndf * 8, max(16, ndf * 32 // r)))


def sle_pairs(resolution: int) -> list[tuple[int, int]]:
    """(low, high) size pairs joined by skip-layer excitation: each low map gates the map 4x larger."""
    return [(r, r * 4) for r in stages(resolution) if r * 4 <= resolution]


def _groups(channels: int) -> int:
    return 8 if channels % 8 == 0 else 1


def _upsample(x: jax.Array) -> jax.Array:
    return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)


def _glu(x: jax.Array) -> jax.Array:
    a, b = jnp.split(x, 2, axis=-1)
    return a * jax.nn.sigmoid(b)


def _conv(x: jax.Array, kernel: jax.Array) -> jax.Array:
    return jax.lax.conv_general_dilated(
        x, kernel, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC")
    )


def upsample_conv3x3(x: jax.Array, kernel: jax.Array) -> jax.Array:
    """``conv3x3_same(nearest_upsample_2x(x), kernel)`` computed on the low-resolution map.

    Output pixel (2i + a, 2j + b) of the 3x3 conv only ever sees the 2x2 low-resolution pixels
    around (i, j), so each of the four output phases (a, b) is a 2x2 conv with a kernel made of
    sums of the 3x3 taps (sub-pixel convolution): 16 instead of 36 multiply-adds per input
    pixel and channel pair, and no upsampled copy of x. The same function, up to float rounding.
    """
    n, h, w, _ = x.shape
    xp = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    # Rows (and likewise columns) of phase 0 read rows (i-1, i): taps (k0, k1 + k2); phase 1 reads
    # (i, i+1): taps (k0 + k1, k2).
    rows = (
        jnp.stack([kernel[0], kernel[1] + kernel[2]]),
        jnp.stack([kernel[0] + kernel[1], kernel[2]]),
    )
    phases = []
    for a in (0, 1):
        kr = rows[a]
        cols = (
            jnp.stack([kr[:, 0], kr[:, 1] + kr[:, 2]], axis=1),
            jnp.stack([kr[:, 0] + kr[:, 1], kr[:, 2]], axis=1),
        )
        for b in (0, 1):
            phases.append(_conv(xp[:, a : a + h + 1, b : b + w + 1], cols[b]))
    out = jnp.stack(phases, axis=3).reshape(n, h, w, 2, 2, -1)  # (n, h, w, a, b, c)
    return out.transpose(0, 1, 3, 2, 4, 5).reshape(n, 2 * h, 2 * w, -1)


def strided_conv4x4(x: jax.Array, kernel: jax.Array, bias: jax.Array) -> jax.Array:
    """A 4x4, stride 2, padding 1 conv as space-to-depth + a 2x2 stride-1 conv: the same sums in
    a different order. Its input gradient is then an ordinary conv instead of the lhs-dilated
    (transposed) conv that XLA's CPU backend runs slowly."""
    n, h, w, c = x.shape
    xp = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    s = xp.reshape(n, h // 2 + 1, 2, w // 2 + 1, 2, c).transpose(0, 1, 3, 2, 4, 5)
    s = s.reshape(n, h // 2 + 1, w // 2 + 1, 4 * c)
    k = kernel.reshape(2, 2, 2, 2, c, -1).transpose(0, 2, 1, 3, 4, 5).reshape(2, 2, 4 * c, -1)
    return _conv(s, k) + bias


class UpBlock(nnx.Module):
    def __init__(self, cin: int, cout: int, *, rngs: nnx.Rngs) -> None:
        self.conv = nnx.Conv(cin, cout * 2, (3, 3), padding="SAME", use_bias=False, rngs=rngs)
        self.norm = nnx.GroupNorm(cout * 2, num_groups=_groups(cout * 2), rngs=rngs)

    def __call__(self, x: jax.Array, *, fast: bool = False) -> jax.Array:
        if fast:
            h = upsample_conv3x3(x, self.conv.kernel[...])
        else:
            h = self.conv(_upsample(x))
        return _glu(self.norm(h))


class SLE(nnx.Module):
    """Skip-layer excitation: channel gates for a high-resolution map from a low-resolution one."""

    def __init__(self, c_low: int, c_high: int, *, rngs: nnx.Rngs) -> None:
        self.conv4 = nnx.Conv(c_low, c_low, (4, 4), padding="VALID", rngs=rngs)
        self.conv1 = nnx.Conv(c_low, c_high, (1, 1), rngs=rngs)

    def __call__(self, low: jax.Array, high: jax.Array) -> jax.Array:
        n, h, w, c = low.shape
        pooled = low.reshape(n, 4, h // 4, 4, w // 4, c).mean(axis=(2, 4))  # adaptive pool to 4x4
        gate = jax.nn.sigmoid(self.conv1(jax.nn.silu(self.conv4(pooled))))  # (n, 1, 1, c_high)
        return high * gate


class Generator(nnx.Module):
    def __init__(self, *, z_dim: int, resolution: int, ngf: int, rngs: nnx.Rngs) -> None:
        self.z_dim, self.resolution = z_dim, resolution
        c4 = g_channels(4, ngf)
        self.init = nnx.Linear(z_dim, 4 * 4 * c4 * 2, rngs=rngs)
        self.init_norm = nnx.GroupNorm(c4 * 2, num_groups=_groups(c4 * 2), rngs=rngs)
        self._sizes = stages(resolution)
        for r in self._sizes[1:]:
            setattr(self, f"up{r}", UpBlock(g_channels(r // 2, ngf), g_channels(r, ngf), rngs=rngs))
        self._pairs = sle_pairs(resolution)
        for lo, hi in self._pairs:
            setattr(self, f"sle{lo}_{hi}", SLE(g_channels(lo, ngf), g_channels(hi, ngf), rngs=rngs))
        self.to_rgb = nnx.Conv(g_channels(resolution, ngf), 3, (3, 3), padding="SAME", rngs=rngs)

    def __call__(self, z: jax.Array, *, fast: bool = False) -> jax.Array:
        """``fast`` (training) computes each upsample + conv as a sub-pixel conv: the same function
        up to float rounding. Generation keeps the reference path, so an artwork's pixels do not
        depend on this optimisation."""
        # Normalise z per sample (pixel norm), as FastGAN's init layer sees a unit-scale input.
        z = z * jax.lax.rsqrt(jnp.mean(z * z, axis=-1, keepdims=True) + 1e-8)
        x = self.init(z).reshape(z.shape[0], 4, 4, -1)
        x = _glu(self.init_norm(x))
        feats = {4: x}
        for r in self._sizes[1:]:
            x = getattr(self, f"up{r}")(x, fast=fast)
            for lo, hi in self._pairs:
                if hi == r:
                    x = getattr(self, f"sle{lo}_{hi}")(feats[lo], x)
            feats[r] = x
        return jnp.tanh(self.to_rgb(x))


class DownBlock(nnx.Module):
    def __init__(self, cin: int, cout: int, *, rngs: nnx.Rngs) -> None:
        self.conv = nnx.Conv(cin, cout, (4, 4), strides=(2, 2), padding=((1, 1), (1, 1)), rngs=rngs)
        self.skip = nnx.Conv(cin, cout, (1, 1), rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        bias = self.conv.bias
        assert bias is not None  # use_bias defaults to True; the assert narrows the type
        # The same conv as self.conv(x), written so that its input gradient is cheap on CPU.
        main = jax.nn.leaky_relu(strided_conv4x4(x, self.conv.kernel[...], bias[...]), 0.2)
        n, h, w, c = x.shape
        pooled = x.reshape(n, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))
        skip = jax.nn.leaky_relu(self.skip(pooled), 0.2)
        return (main + skip) / 2


class Discriminator(nnx.Module):
    def __init__(self, *, resolution: int, ndf: int, rngs: nnx.Rngs) -> None:
        self.resolution = resolution
        self.from_rgb = nnx.Conv(3, d_channels(resolution, ndf), (3, 3), padding="SAME", rngs=rngs)
        self._sizes = stages(resolution)[::-1]  # R, R/2, ..., 4
        for r in self._sizes[1:]:
            setattr(
                self, f"down{r}", DownBlock(d_channels(r * 2, ndf), d_channels(r, ndf), rngs=rngs)
            )
        self.logit = nnx.Conv(d_channels(4, ndf), 1, (4, 4), padding="VALID", rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        h = jax.nn.leaky_relu(self.from_rgb(x), 0.2)
        for r in self._sizes[1:]:
            h = getattr(self, f"down{r}")(h)
        return self.logit(h).reshape(x.shape[0])
