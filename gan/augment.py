"""DiffAugment (Zhao et al., 2020, "Differentiable augmentation for data-efficient GAN training")
plus a random x-flip, in JAX. Every operation is differentiable in the image, so the same
augmentation can sit in front of the discriminator for real images, for fakes in the D step and
for fakes in the G step, and the generator still gets gradients through it.

Images are NHWC in [-1, 1]. Each op draws its own key from ``key``: nothing is reused.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["POLICIES", "diff_augment", "parse_policy"]

POLICIES = ("color", "translation", "cutout", "flip")


def parse_policy(policy: str) -> tuple[str, ...]:
    names = tuple(p.strip() for p in policy.split(",") if p.strip())
    unknown = [p for p in names if p not in POLICIES]
    if unknown:
        raise ValueError(f"unknown augmentation(s) {unknown}; known: {', '.join(POLICIES)}")
    return names


def _color(x: jax.Array, key: jax.Array) -> jax.Array:
    kb, ks, kc = jax.random.split(key, 3)
    n = x.shape[0]
    x = x + (jax.random.uniform(kb, (n, 1, 1, 1), x.dtype) - 0.5)  # brightness
    mean = x.mean(axis=3, keepdims=True)
    x = (x - mean) * (jax.random.uniform(ks, (n, 1, 1, 1), x.dtype) * 2) + mean  # saturation
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    return (x - mean) * (jax.random.uniform(kc, (n, 1, 1, 1), x.dtype) + 0.5) + mean  # contrast


def _translation(x: jax.Array, key: jax.Array, ratio: float = 0.125) -> jax.Array:
    n, h, w, _ = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    shifts = jax.random.randint(key, (n, 2), jnp.array([-sh, -sw]), jnp.array([sh + 1, sw + 1]))
    padded = jnp.pad(x, ((0, 0), (sh, sh), (sw, sw), (0, 0)))  # zeros enter from the edges

    def shift_one(img: jax.Array, s: jax.Array) -> jax.Array:
        return jax.lax.dynamic_slice(img, (sh - s[0], sw - s[1], 0), (h, w, img.shape[-1]))

    return jax.vmap(shift_one)(padded, shifts)


def _cutout(x: jax.Array, key: jax.Array, ratio: float = 0.5) -> jax.Array:
    n, h, w, _ = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    ky, kx = jax.random.split(key)
    cy = jax.random.randint(ky, (n, 1, 1), 0, h + (1 - ch % 2))
    cx = jax.random.randint(kx, (n, 1, 1), 0, w + (1 - cw % 2))
    # As in the paper's code: rows cy - ch//2 .. cy - ch//2 + ch - 1, so exactly ch x cw pixels
    # (clipped at the border), half the image side at ratio 0.5.
    dy = jnp.arange(h)[None, :, None] - cy
    dx = jnp.arange(w)[None, None, :] - cx
    inside = (dy >= -(ch // 2)) & (dy < ch - ch // 2) & (dx >= -(cw // 2)) & (dx < cw - cw // 2)
    return x * (~inside)[..., None].astype(x.dtype)


def _flip(x: jax.Array, key: jax.Array) -> jax.Array:
    flip = jax.random.bernoulli(key, 0.5, (x.shape[0], 1, 1, 1))
    return jnp.where(flip, x[:, :, ::-1, :], x)


_OPS = {"color": _color, "translation": _translation, "cutout": _cutout, "flip": _flip}


def diff_augment(x: jax.Array, key: jax.Array, policy: tuple[str, ...]) -> jax.Array:
    """Apply the ops of ``policy`` in the canonical order (flip, color, translation, cutout)."""
    order = [p for p in ("flip", "color", "translation", "cutout") if p in policy]
    keys = jax.random.split(key, len(POLICIES))
    for name in order:
        x = _OPS[name](x, keys[POLICIES.index(name)])
    return x
