"""Bias gradients the training step computes as products instead of XLA:CPU's reductions.

XLA:CPU (jaxlib 0.10.2) reduces an NHWC map over its pixels (every axis but the minor one) 5-6x
slower than it multiplies it by a vector of ones: 5.7 against 0.85 ms for a 32x32x32x32 map (load
3). A conv's bias gradient is such a reduction, over every output pixel of the batch, so
``add_bias`` (used by the discriminator's convs and the generator's training-path ``to_rgb``)
computes it with ``pixel_sum``.

Tried and not kept (issue 22): convolutions whose weight gradient is K*K plain products over the
flattened pixels (``dW[kh, kw] = dY^T @ X_shift``, contiguous "flat shift" slices, no transposed
activations in the optimised HLO) lost to XLA's transpose + convolution on this CPU: Eigen's GEMM
with the long pixel axis contracted and a small (Cout, Cin) output runs at 20-100 GFLOP/s, and
the whole step was 0.80x (all 2x2 convs) and 0.90x (the RGB convs only) in CPU time; docs/gan.md.
The same products as real TN sgemms outside XLA (numpy's OpenBLAS through ``jax.pure_callback`` or
``jax.ffi``, no copy of the activation) only broke even: 0.99x / 1.01x at 32 / 64 px at best
(scripts/bench_gan_wgrad_blas.py).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["add_bias", "pixel_sum"]


def pixel_sum(x: jax.Array) -> jax.Array:
    """(..., c) -> (c,): the sum over every axis but the channels, as a (1, pixels) @ (pixels, c)
    product. XLA:CPU's reduce over the non-minor axes of an NHWC map is 5-6x slower (5.7 against
    0.85 ms for 32x32x32x32 at load 3)."""
    flat = x.reshape(-1, x.shape[-1])
    return jax.lax.dot_general(jnp.ones(flat.shape[:1], x.dtype), flat, (((0,), (0,)), ((), ())))


@jax.custom_vjp
def add_bias(y: jax.Array, bias: jax.Array) -> jax.Array:
    """``y + bias`` over the channels (last axis), its bias gradient summed by ``pixel_sum``."""
    return y + bias


def _add_bias_fwd(y: jax.Array, bias: jax.Array) -> tuple[jax.Array, None]:
    return y + bias, None


def _add_bias_bwd(_: None, dy: jax.Array) -> tuple[jax.Array, jax.Array]:
    return dy, pixel_sum(dy)


add_bias.defvjp(_add_bias_fwd, _add_bias_bwd)
