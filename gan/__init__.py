"""A data-efficient JAX/Flax GAN for an artist's own photographs. Never imports ``provenance``.

Modules import jax lazily from the caller's point of view: importing ``gan`` itself is cheap; the
heavy modules (``gan.train``, ``gan.sample``, ``gan.metrics``) pull in jax and flax.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
