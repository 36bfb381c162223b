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

from functools import partial

import jax
import jax.numpy as jnp
from flax import nnx

from gan.architecture import d_channels, g_channels, groups, sle_pairs, stages
from gan.conv import add_bias

__all__ = [
    "Discriminator",
    "Generator",
    "d_channels",
    "g_channels",
    "group_norm",
    "sle_pairs",
    "stages",
    "strided_conv4x4",
    "upsample_conv3x3",
]


def _upsample(x: jax.Array) -> jax.Array:
    return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)


def _glu(x: jax.Array) -> jax.Array:
    a, b = jnp.split(x, 2, axis=-1)
    return a * jax.nn.sigmoid(b)


_NHWC = ("NHWC", "HWIO", "NHWC")


def _conv(x: jax.Array, kernel: jax.Array) -> jax.Array:
    return jax.lax.conv_general_dilated(x, kernel, (1, 1), "VALID", dimension_numbers=_NHWC)


def _conv_bias(conv: nnx.Conv, x: jax.Array, pad: int) -> jax.Array:
    """``conv(x)`` for a stride-1 ``nnx.Conv`` with ``pad`` pixels of zeros on every side (3x3
    "SAME": 1, "VALID": 0), its bias added by ``add_bias``: the same function, with a bias gradient
    that XLA:CPU computes 5-6x faster than its own reduction over the pixels."""
    bias = conv.bias
    assert bias is not None  # use_bias defaults to True; the assert narrows the type
    y = jax.lax.conv_general_dilated(
        x, conv.kernel[...], (1, 1), ((pad, pad), (pad, pad)), dimension_numbers=_NHWC
    )
    return add_bias(y, bias[...])


def _conv1x1_bias(conv: nnx.Conv, x: jax.Array) -> jax.Array:
    """``conv(x)`` for a 1x1 ``nnx.Conv``: a plain (pixels, cin) @ (cin, cout) product, which
    XLA:CPU runs without the transposed copies of its 1x1 convolution's weight gradient (the
    training step 1.03x / 1.02x in CPU time at 32 / 64 px)."""
    bias = conv.bias
    assert bias is not None  # use_bias defaults to True; the assert narrows the type
    n, h, w, c = x.shape
    y = x.reshape(-1, c) @ conv.kernel[...].reshape(c, -1)
    return add_bias(y.reshape(n, h, w, -1), bias[...])


def upsample_conv3x3(x: jax.Array, kernel: jax.Array) -> jax.Array:
    """``conv3x3_same(nearest_upsample_2x(x), kernel)`` computed on the low-resolution map.

    Output pixel (2i + a, 2j + b) of the 3x3 conv only ever sees the 2x2 low-resolution pixels
    around (i, j), so each of the four output phases (a, b) is a 2x2 conv with a kernel made of
    sums of the 3x3 taps (sub-pixel convolution): 16 instead of 36 multiply-adds per input
    pixel and channel pair, and no upsampled copy of x. The same function, up to float rounding.
    """
    n, h, w, _ = x.shape
    cout = kernel.shape[-1]
    xp = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    kernels = _phase_kernels(kernel)
    if h >= ONE_CONV_MIN_SIZE:
        # One 2x2 conv with the four phase kernels side by side (4 * cout outputs) over the whole
        # padded map; phase (a, b) is its window offset by (a, b). Against four convs on four
        # sliced copies of the input: no input copies, one larger GEMM, and one transposed copy
        # of the input for the weight gradient instead of four (7% less CPU time per 64 px step,
        # 4% at 32 px). It computes (h + 1)(w + 1) windows for h * w, so small maps keep four convs.
        out = _conv(xp, jnp.concatenate(kernels, axis=-1))
        phases = [
            out[:, a : a + h, b : b + w, (2 * a + b) * cout : (2 * a + b + 1) * cout]
            for a in (0, 1)
            for b in (0, 1)
        ]
    else:
        phases = [
            _conv(xp[:, a : a + h + 1, b : b + w + 1], kernels[2 * a + b])
            for a in (0, 1)
            for b in (0, 1)
        ]
    # Stacking the column phases after w *is* the interleaved row in memory (n, h, w, b, c)
    # = (n, h, 2w, c), and likewise the rows after h: the interleave is written in place by
    # one concatenation instead of a stack plus a transposed copy (XLA:CPU's transposes are
    # slow; this saved a 19 ms copy per 64 px step).
    rows = [jnp.stack(phases[2 * a : 2 * a + 2], axis=3).reshape(n, h, 2 * w, -1) for a in (0, 1)]
    return jnp.stack(rows, axis=2).reshape(n, 2 * h, 2 * w, -1)


# Below this low-resolution size the single conv's extra windows ((h + 1)^2 / h^2: 1.56x at 4 px)
# cost more than the copies it saves (measured at 8 px: no better than 16).
ONE_CONV_MIN_SIZE = 16


def _phase_kernels(kernel: jax.Array) -> list[jax.Array]:
    """The 2x2 kernels of the four phases (a, b) = (0, 0), (0, 1), (1, 0), (1, 1)."""
    # Rows (and likewise columns) of phase 0 read rows (i-1, i): taps (k0, k1 + k2); phase 1 reads
    # (i, i+1): taps (k0 + k1, k2).
    rows = (
        jnp.stack([kernel[0], kernel[1] + kernel[2]]),
        jnp.stack([kernel[0] + kernel[1], kernel[2]]),
    )
    return [
        jnp.stack(cols, axis=1)
        for kr in rows
        for cols in (
            (kr[:, 0], kr[:, 1] + kr[:, 2]),
            (kr[:, 0] + kr[:, 1], kr[:, 2]),
        )
    ]


def _pixel_sum(x: jax.Array) -> jax.Array:
    """(n, h, w, c) -> (n, c), as a batched mat-vec: XLA:CPU's dot is several times faster than
    its reduction over the non-minor pixel axes."""
    n, h, w, c = x.shape
    return jnp.einsum("npc,p->nc", x.reshape(n, h * w, c), jnp.ones((h * w,), x.dtype))


def _group_sum(t: jax.Array, groups: int) -> jax.Array:
    """(n, c) -> (n, c): the sum over each channel's group, broadcast back to the channels."""
    n, c = t.shape
    return jnp.repeat(t.reshape(n, groups, c // groups).sum(-1), c // groups, axis=-1)


def _group_stats(x: jax.Array, groups: int, eps: float) -> tuple[jax.Array, jax.Array]:
    _, h, w, c = x.shape
    count = h * w * (c // groups)
    mean = _group_sum(_pixel_sum(x), groups) / count
    # E[x^2] - E[x]^2, clamped: what flax's GroupNorm computes (use_fast_variance=True).
    var = jnp.maximum(0.0, _group_sum(_pixel_sum(jnp.square(x)), groups) / count - mean**2)
    return mean, jax.lax.rsqrt(var + eps)


@partial(jax.custom_vjp, nondiff_argnums=(3, 4))
def group_norm(
    x: jax.Array, scale: jax.Array, bias: jax.Array, groups: int, eps: float
) -> jax.Array:
    """``nnx.GroupNorm`` on NHWC (the same function up to float rounding) with a hand-written
    backward pass: two per-(sample, channel) sums and one elementwise pass, where XLA's own
    gradient of the reductions costs 3x more on CPU (23 vs 7 ms at 64x64x32, batch 32)."""
    return _group_norm_fwd(x, scale, bias, groups, eps)[0]


def _group_norm_fwd(
    x: jax.Array, scale: jax.Array, bias: jax.Array, groups: int, eps: float
) -> tuple[jax.Array, tuple[jax.Array, ...]]:
    mean, rstd = _group_stats(x, groups, eps)
    a = rstd * scale
    y = x * a[:, None, None] + (bias - mean * a)[:, None, None]
    return y, (x, scale, mean, rstd)


def _group_norm_bwd(
    groups: int, eps: float, res: tuple[jax.Array, ...], dy: jax.Array
) -> tuple[jax.Array, jax.Array, jax.Array]:
    x, scale, mean, rstd = res
    _, h, w, c = x.shape
    count = h * w * (c // groups)
    u, v = _pixel_sum(dy), _pixel_sum(dy * x)  # per (n, c): sum dy, sum dy * x
    dy_xhat = rstd * (v - mean * u)  # per (n, c): sum dy * xhat
    mean_g = _group_sum(scale * u, groups) / count  # group mean of dy * scale
    mean_gx = _group_sum(scale * dy_xhat, groups) / count  # group mean of dy * scale * xhat
    # dx = rstd * (g - mean_g - xhat * mean_gx) with g = dy * scale, xhat = (x - mean) * rstd,
    # written as dy * a + x * c1 + c0 with per-(n, c) coefficients: one pass over the pixels.
    c1 = -(rstd**2) * mean_gx
    c0 = -rstd * mean_g - c1 * mean
    dx = dy * (rstd * scale)[:, None, None] + x * c1[:, None, None] + c0[:, None, None]
    return dx, dy_xhat.sum(0), u.sum(0)


group_norm.defvjp(_group_norm_fwd, _group_norm_bwd)


def strided_conv4x4(x: jax.Array, kernel: jax.Array, bias: jax.Array) -> jax.Array:
    """A 4x4, stride 2, padding 1 conv (``jax.lax.conv_general_dilated``'s function), each pass
    in the form XLA:CPU runs fastest: see ``_strided_conv4x4``."""
    return add_bias(_strided_conv4x4(x, kernel), bias)


def _strided_direct(x: jax.Array, kernel: jax.Array) -> jax.Array:
    return jax.lax.conv_general_dilated(
        x, kernel, (2, 2), ((1, 1), (1, 1)), dimension_numbers=_NHWC
    )


def _space_to_depth_conv(x: jax.Array, kernel: jax.Array) -> jax.Array:
    """The strided conv as space-to-depth + a 2x2 stride-1 conv: the same sums in a different
    order, whose input gradient is an ordinary conv."""
    n, h, w, c = x.shape
    xp = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    s = xp.reshape(n, h // 2 + 1, 2, w // 2 + 1, 2, c).transpose(0, 1, 3, 2, 4, 5)
    s = s.reshape(n, h // 2 + 1, w // 2 + 1, 4 * c)
    k = kernel.reshape(2, 2, 2, 2, c, -1).transpose(0, 2, 1, 3, 4, 5).reshape(2, 2, 4 * c, -1)
    return _conv(s, k)


@jax.custom_vjp
def _strided_conv4x4(x: jax.Array, kernel: jax.Array) -> jax.Array:
    """The strided conv, XLA's own forward and weight gradient, the input gradient through
    space-to-depth (an ordinary conv). Against the space-to-depth form in all three passes, the
    weight gradient transposes the activation as it is instead of its reordered copy, and the
    forward pass makes no copy: 1.3-1.5x less CPU time for D's strided convs alone, 5% (32 px)
    and 3% (64 px) for the training step. Only the input gradient of the strided form is slow
    on XLA:CPU (an lhs-dilated conv)."""
    return _strided_direct(x, kernel)


def _strided_fwd(x: jax.Array, kernel: jax.Array) -> tuple[jax.Array, tuple[jax.Array, jax.Array]]:
    return _strided_direct(x, kernel), (x, kernel)


def _strided_bwd(res: tuple[jax.Array, jax.Array], dy: jax.Array) -> tuple[jax.Array, jax.Array]:
    x, kernel = res
    dx = jax.vjp(lambda v: _space_to_depth_conv(v, kernel), x)[1](dy)[0]
    dk = jax.vjp(lambda k: _strided_direct(x, k), kernel)[1](dy)[0]
    return dx, dk


_strided_conv4x4.defvjp(_strided_fwd, _strided_bwd)


class UpBlock(nnx.Module):
    def __init__(self, cin: int, cout: int, *, rngs: nnx.Rngs) -> None:
        self.conv = nnx.Conv(cin, cout * 2, (3, 3), padding="SAME", use_bias=False, rngs=rngs)
        self.norm = nnx.GroupNorm(cout * 2, num_groups=groups(cout * 2), rngs=rngs)

    def __call__(self, x: jax.Array, *, fast: bool = False) -> jax.Array:
        if not fast:
            return _glu(self.norm(self.conv(_upsample(x))))
        h = upsample_conv3x3(x, self.conv.kernel[...])
        scale, bias = self.norm.scale, self.norm.bias
        assert scale is not None and bias is not None  # GroupNorm's defaults; narrows the type
        return _glu(group_norm(h, scale[...], bias[...], self.norm.num_groups, self.norm.epsilon))


class SLE(nnx.Module):
    """Skip-layer excitation: channel gates for a high-resolution map from a low-resolution one."""

    def __init__(self, c_low: int, c_high: int, *, rngs: nnx.Rngs) -> None:
        self.conv4 = nnx.Conv(c_low, c_low, (4, 4), padding="VALID", rngs=rngs)
        self.conv1 = nnx.Conv(c_low, c_high, (1, 1), rngs=rngs)

    def __call__(self, low: jax.Array, high: jax.Array, *, fast: bool = False) -> jax.Array:
        n, h, w, c = low.shape
        pooled = low.reshape(n, 4, h // 4, 4, w // 4, c).mean(axis=(2, 4))  # adaptive pool to 4x4
        if not fast:
            gate = jax.nn.sigmoid(self.conv1(jax.nn.silu(self.conv4(pooled))))  # (n, 1, 1, c_high)
            return high * gate
        # Both convs see one window: a 4x4 valid conv of a 4x4 map is a product with the kernel
        # flattened (HWIO row-major = (16 c, c)), a 1x1 conv of a 1x1 map one with (c, c_high).
        # As plain products XLA:CPU copies no kernel into a conv layout: 1-2% of the step.
        b4, b1 = self.conv4.bias, self.conv1.bias
        assert b4 is not None and b1 is not None  # use_bias defaults to True; narrows the type
        hidden = jax.nn.silu(
            pooled.reshape(n, -1) @ self.conv4.kernel[...].reshape(16 * c, c) + b4[...]
        )
        gate = jax.nn.sigmoid(hidden @ self.conv1.kernel[...].reshape(c, -1) + b1[...])
        return high * gate[:, None, None, :]


class Generator(nnx.Module):
    def __init__(self, *, z_dim: int, resolution: int, ngf: int, rngs: nnx.Rngs) -> None:
        self.z_dim, self.resolution = z_dim, resolution
        c4 = g_channels(4, ngf)
        self.init = nnx.Linear(z_dim, 4 * 4 * c4 * 2, rngs=rngs)
        self.init_norm = nnx.GroupNorm(c4 * 2, num_groups=groups(c4 * 2), rngs=rngs)
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
                    x = getattr(self, f"sle{lo}_{hi}")(feats[lo], x, fast=fast)
            feats[r] = x
        return jnp.tanh(_conv_bias(self.to_rgb, x, 1) if fast else self.to_rgb(x))


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
        skip = jax.nn.leaky_relu(_conv1x1_bias(self.skip, pooled), 0.2)
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
        # Training is the discriminator's only use: its convs are written for a fast backward pass.
        h = jax.nn.leaky_relu(_conv_bias(self.from_rgb, x, 1), 0.2)
        for r in self._sizes[1:]:
            h = getattr(self, f"down{r}")(h)
        return _conv_bias(self.logit, h, 0).reshape(x.shape[0])
