"""The generator's shape, as functions of its config: which stages, how many channels, which maps
skip-layer excitation joins. Shared by the Flax model (``gan.models``) and the numpy forward pass
(``gan.numpy_generator``), and free of JAX so the second imports in milliseconds."""

from __future__ import annotations

__all__ = ["d_channels", "g_channels", "groups", "sle_pairs", "stages"]


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


def groups(channels: int) -> int:
    """GroupNorm's group count for a layer of ``channels``."""
    return 8 if channels % 8 == 0 else 1
