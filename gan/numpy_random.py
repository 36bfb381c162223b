"""JAX's latent draw in numpy: the same bits, so regeneration does not need JAX.

``gan.sample.latent`` draws ``jax.random.normal(jax.random.key(seed), (z_dim,))`` (or
``truncated_normal``). JAX's default generator is Threefry-2x32 (Salmon et al., 2011) with
``jax_threefry_partitionable`` on (JAX's default since 0.5): the bits of element ``i`` are
``threefry2x32(key, (0, i))``, its two output words XORed. A float in [1, 2) is made from the top
23 bits, shifted into the range, and mapped through ``erfinv`` (XLA's single-precision polynomial,
M. Giles, "Approximating the erfinv function", 2010). Everything is float32 in JAX's order of
operations; ``tests/gan/test_numpy_generator.py`` compares it with JAX over many seeds.
"""

from __future__ import annotations

import numpy as np

__all__ = ["latent", "random_bits", "threefry2x32"]

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)
# Giles' coefficients, highest degree first, as XLA's ErfInv32 evaluates them.
_ERFINV_CENTRAL = (
    2.81022636e-08,
    3.43273939e-07,
    -3.5233877e-06,
    -4.39150654e-06,
    0.00021858087,
    -0.00125372503,
    -0.00417768164,
    0.246640727,
    1.50140941,
)
_ERFINV_TAIL = (
    -0.000200214257,
    0.000100950558,
    0.00134934322,
    -0.00367342844,
    0.00573950773,
    -0.0076224613,
    0.00943887047,
    1.00167406,
    2.83297682,
)
_F32 = np.float32


def _rotate_left(v: np.ndarray, d: int) -> np.ndarray:
    return (v << np.uint32(d)) | (v >> np.uint32(32 - d))


def threefry2x32(key: tuple[int, int], x0: np.ndarray, x1: np.ndarray) -> tuple[np.ndarray, ...]:
    """Threefry-2x32 with 20 rounds of ``key`` over the counter words ``(x0, x1)`` (uint32)."""
    ks = [np.uint32(key[0]), np.uint32(key[1])]
    ks.append(ks[0] ^ ks[1] ^ _PARITY)
    with np.errstate(over="ignore"):  # uint32 arithmetic wraps, as it does in XLA
        x = [x0.astype(np.uint32) + ks[0], x1.astype(np.uint32) + ks[1]]
        for block in range(5):
            for r in _ROTATIONS[block % 2]:
                x[0] = x[0] + x[1]
                x[1] = _rotate_left(x[1], r) ^ x[0]
            x[0] = x[0] + ks[(block + 1) % 3]
            x[1] = x[1] + ks[(block + 2) % 3] + np.uint32(block + 1)
    return x[0], x[1]


def _key(seed: int) -> tuple[int, int]:
    """``jax.random.key(seed)``'s two words. Without ``jax_enable_x64`` JAX keeps the seed's low 32
    bits (two's complement) and a zero high word; it refuses a seed beyond int64."""
    if not -(2**63) <= seed < 2**63:
        raise ValueError(f"seed {seed} does not fit in a signed 64-bit integer")
    return 0, seed & 0xFFFFFFFF


def random_bits(seed: int, size: int) -> np.ndarray:
    """``jax.random.bits(jax.random.key(seed), (size,))``: uint32."""
    bits0, bits1 = threefry2x32(
        _key(seed), np.zeros(size, np.uint32), np.arange(size, dtype=np.uint32)
    )
    return np.asarray(bits0 ^ bits1)


def _uniform(seed: int, size: int, low: np.float32, high: np.float32) -> np.ndarray:
    mantissa = (random_bits(seed, size) >> np.uint32(9)) | np.float32(1.0).view(np.uint32)
    floats = mantissa.view(np.float32) - _F32(1.0)
    return np.asarray(np.maximum(low, floats * (high - low) + low))


def _polynomial(coefficients: tuple[float, ...], w: np.ndarray) -> np.ndarray:
    p = np.full_like(w, _F32(coefficients[0]))
    for c in coefficients[1:]:
        p = _F32(c) + p * w
    return p


def _erfinv(x: np.ndarray) -> np.ndarray:
    w = -np.log1p(-x * x)
    central = _polynomial(_ERFINV_CENTRAL, w - _F32(2.5))
    tail = _polynomial(_ERFINV_TAIL, np.sqrt(np.maximum(w, _F32(5.0))) - _F32(3.0))
    result = np.where(w < _F32(5.0), central, tail) * x
    return np.asarray(np.where(np.abs(x) == _F32(1.0), np.copysign(_F32(np.inf), x), result))


def _erf(x: np.float32) -> np.float32:
    """erf of one float32, correctly rounded (the truncation bounds are two scalars)."""
    import math

    return _F32(math.erf(float(x)))


def latent(seed: int, z_dim: int, *, truncation: float | None = None) -> np.ndarray:
    """``gan.sample.latent`` without JAX: a (z_dim,) float32 standard normal draw, or a normal
    truncated to [-truncation, truncation]."""
    sqrt2 = _F32(np.sqrt(2))
    with np.errstate(divide="ignore", invalid="ignore"):
        if truncation is None:
            u = _uniform(seed, z_dim, np.nextafter(_F32(-1.0), _F32(0.0)), _F32(1.0))
            return (sqrt2 * _erfinv(u)).astype(np.float32)
        if not truncation > 0:
            raise ValueError("truncation must be positive")
        lower, upper = _F32(-truncation), _F32(truncation)
        u = _uniform(seed, z_dim, _erf(lower / sqrt2), _erf(upper / sqrt2))
        out = sqrt2 * _erfinv(u)
        return np.clip(
            out, np.nextafter(lower, _F32(np.inf)), np.nextafter(upper, _F32(-np.inf))
        ).astype(np.float32)
